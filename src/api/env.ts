/** The hono environment every route shares: the request's API version. */
export interface ApiEnv {
  Variables: {
    /** The client's API version ("1.51" when the path had no /vX.Y prefix). */
    apiVersion: string;
  };
}
