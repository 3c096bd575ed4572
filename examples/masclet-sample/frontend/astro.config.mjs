// Static build. Like the real application's, this configuration exposes only Astro's
// PUBLIC_ variables to client code, while the client reads VITE_API_URL: the deployment
// builds through a wrapper configuration that adds VITE_ (frontend_build_env_prefixes).
import { defineConfig } from 'astro/config';

export default defineConfig({
  output: 'static',
  build: { inlineStylesheets: 'never' },
  vite: {
    build: { assetsInlineLimit: 0 },
  },
});
