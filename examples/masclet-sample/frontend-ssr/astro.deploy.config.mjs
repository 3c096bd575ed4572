import base from './astro.config.mjs';
export default { ...base, vite: { ...(base.vite||{}), envPrefix: ['PUBLIC_', 'VITE_'] } };
