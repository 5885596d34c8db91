/** `edgetune demo` serves the page again at /personalise, where it opens in its personalisation mode. */
import { describe, expect, it } from 'vitest';
import { resolveRequest } from '../../src/cli/demo.js';

describe('the /personalise path', () => {
  const roots = { web: '/srv/web', models: '/srv/models' };

  it('serves index.html at /personalise (with or without a query) and nothing else besides', () => {
    for (const t of ['/personalise', '/personalise?ep=wasm']) expect(resolveRequest(t, roots)).toEqual({ ok: true, root: '/srv/web', file: '/srv/web/index.html' });
    expect(resolveRequest('/personalise/x.js', roots)).toEqual({ ok: true, root: '/srv/web', file: '/srv/web/personalise/x.js' });
    expect(resolveRequest('/models/personalise', roots)).toEqual({ ok: true, root: '/srv/models', file: '/srv/models/personalise' });
    expect(resolveRequest('/personalise/', roots)).toMatchObject({ ok: false, status: 404 });
  });
});
