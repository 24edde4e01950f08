import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The gateway serves dist/index.html for the application's paths and dist/assets/* as they are;
// the field app (field/index.html, a second entry) at /field/, its service worker built after
// (scripts/field-sw.mjs).
export default defineConfig({
  base: '/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    target: 'es2020',
    manifest: true, // scripts/size.mjs reads it to report each role's first screen
    sourcemap: false,
    reportCompressedSize: true,
    rolldownOptions: { input: { main: 'index.html', field: 'field/index.html' } },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000', '/config.json': 'http://127.0.0.1:8000' },
  },
});
