// Server-side calls to the API while rendering, as the real application's pages make them:
// the base comes from import.meta.env.VITE_API_URL (baked in at build time), the token from
// the visitor's cookie.
const base = (import.meta.env.VITE_API_URL || 'http://localhost:8000/api/v1').replace(/\/+$/, '');

export async function apiGet(path, token) {
  const res = await fetch(`${base}${path}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: res.ok ? await res.json() : null };
}
