// The browser logs in against the API (import.meta.env.VITE_API_URL, ending in /api/v1),
// keeps the token in a cookie the server reads while rendering, and goes to the list.
const api = (import.meta.env.VITE_API_URL || '/api/v1').replace(/\/+$/, '');

export function start() {
  const status = document.getElementById('status');
  document.getElementById('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = 'logging in…';
    const res = await fetch(`${api}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        username: document.getElementById('username').value,
        password: document.getElementById('password').value,
      }),
    });
    if (!res.ok) {
      status.textContent = `login failed (${res.status})`;
      return;
    }
    const { access_token: token } = await res.json();
    document.cookie = `token=${token}; path=/; secure; samesite=strict`;
    window.location.assign('/');
  });
}
