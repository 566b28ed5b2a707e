// Imported for its effect, first by the engine's entry module: see install.ts.
import { installFetchLite } from './install.js';

installFetchLite();
