// Server-rendered like the real application's frontend (output 'server', @astrojs/node
// standalone): no index.html, pages rendered per request from API calls. Only Astro's
// PUBLIC_ variables are exposed, while the code reads VITE_API_URL: the deployment builds
// through a wrapper configuration that adds VITE_ (frontend_build_env_prefixes).
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';

export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
  // Hashed files under /_astro/, so the deployment can serve them from disk and cache them.
  build: { inlineStylesheets: 'never' },
  vite: { build: { assetsInlineLimit: 0 } },
});
