/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// /config.json comes from whoever serves dist/ (devstack at http://localhost:3000 locally, the
// frontend bucket in AWS), never from this build. The manifest tells `npm run size` which chunk is which.
export default defineConfig({
  plugins: [react()],
  build: { target: 'es2022', sourcemap: false, manifest: true },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
