import { test, expect } from '@playwright/test';

// The release build names its wasm, js and css after their hashes and
// compresses them once at build time: they come back precompressed (brotli,
// or gzip for a client without it, identical bytes every time) and cached
// for a year as immutable.
test('the site assets are hashed, precompressed and cached as immutable', async ({ request }) => {
  const html = await (await request.get('/')).text();
  const names = [
    ...html.matchAll(/\/pkg\/(marquee\.[A-Za-z0-9_-]+\.(?:wasm|js|css))/g),
  ].map((m) => m[1]);
  const kinds = new Set(names.map((n) => n.split('.').pop()));
  expect([...kinds].sort()).toEqual(['css', 'js', 'wasm']);

  for (const name of new Set(names)) {
    const path = `/pkg/${name}`;
    const br = await request.get(path, { headers: { 'accept-encoding': 'br' } });
    expect(br.status(), path).toBe(200);
    expect(br.headers()['content-encoding'], path).toBe('br');
    expect(br.headers()['cache-control'], path).toBe('public, max-age=31536000, immutable');
    expect(br.headers()['vary'] ?? '', path).toMatch(/accept-encoding/i);
    const again = await request.get(path, { headers: { 'accept-encoding': 'br' } });
    expect(Buffer.compare(await br.body(), await again.body()), `${path} same bytes`).toBe(0);

    const gzip = await request.get(path, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers()['content-encoding'], path).toBe('gzip');
    expect(gzip.headers()['cache-control'], path).toBe('public, max-age=31536000, immutable');
  }

  // Whatever is not hashed is checked with the server on every use.
  const missing = await request.get('/pkg/marquee.css');
  expect(missing.status()).toBe(404);
});
