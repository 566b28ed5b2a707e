import type { RegistryServiceConfig } from '../../types/index.js';

const CIDR = /^[0-9a-fA-F:.]+\/\d+$/;

/** Docker's RegistryConfig from daemon.json's mirrors and insecure registries. */
export function registryConfig(mirrors: string[] = [], insecure: string[] = []): RegistryServiceConfig {
  const cidrs = ['::1/128', '127.0.0.0/8'];
  const indexConfigs: RegistryServiceConfig['IndexConfigs'] = {
    'docker.io': { Name: 'docker.io', Mirrors: [...mirrors], Secure: true, Official: true },
  };
  for (const entry of insecure) {
    if (CIDR.test(entry)) {
      if (!cidrs.includes(entry)) cidrs.push(entry);
    } else {
      const name = entry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
      indexConfigs[name] = { Name: name, Mirrors: [], Secure: false, Official: false };
    }
  }
  return { InsecureRegistryCIDRs: cidrs, IndexConfigs: indexConfigs, Mirrors: [...mirrors] };
}

/** A proxy URL with its credentials masked, as Docker shows it. */
export function maskProxy(value: string | undefined): string {
  if (!value) return '';
  try {
    const url = new URL(value);
    if (url.username || url.password) {
      url.username = 'xxxxx';
      url.password = 'xxxxx';
    }
    return url.toString();
  } catch {
    return value;
  }
}
