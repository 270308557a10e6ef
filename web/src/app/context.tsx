/** What every screen of a signed-in session reaches: the API client, the live channel, the settings. */
import { createContext, useContext } from 'react';
import type { Api } from '../api/client';
import type { RuntimeConfig } from '../config';
import type { LiveChannel } from '../live/channel';

export interface Services {
  api: Api;
  live: LiveChannel;
  config: RuntimeConfig;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside a signed-in session');
  return services;
}
