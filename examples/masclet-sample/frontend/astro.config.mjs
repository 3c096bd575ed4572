// Static build. The API base URL is baked in at build time from PUBLIC_API_URL, else
// VITE_API_URL (both read from the environment or a .env file), else '' (same origin).
import { defineConfig } from 'astro/config';

export default defineConfig({
  output: 'static',
  build: { inlineStylesheets: 'never' },
  vite: {
    envPrefix: ['PUBLIC_', 'VITE_'],
    build: { assetsInlineLimit: 0 },
  },
});
