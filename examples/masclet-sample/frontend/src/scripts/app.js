// Log in against the API, then list the animals. As in the real application, the client
// reads import.meta.env.VITE_API_URL (the base, ending in /api/v1), which Astro does not
// expose unless the build adds VITE_ to Vite's envPrefix; without it, the same origin.
import { COLUMNS } from '../columns.js';

const api = (import.meta.env.VITE_API_URL || '/api/v1').replace(/\/+$/, '');

function setStatus(text) {
  document.getElementById('status').textContent = text;
}

async function login(username, password) {
  const res = await fetch(`${api}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  });
  if (!res.ok) throw new Error(`login failed (${res.status})`);
  return (await res.json()).access_token;
}

async function loadAnimals(token) {
  const res = await fetch(`${api}/animals`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`animals failed (${res.status})`);
  const animals = await res.json();
  const body = document.querySelector('#animals tbody');
  body.replaceChildren(
    ...animals.map((animal) => {
      const row = document.createElement('tr');
      for (const [key] of COLUMNS) {
        const cell = document.createElement('td');
        cell.className = key;
        cell.textContent = animal[key] ?? '';
        row.append(cell);
      }
      return row;
    }),
  );
  setStatus(`loaded ${animals.length} animals`);
}

export function start() {
  document.getElementById('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    setStatus('logging in…');
    try {
      const token = await login(
        document.getElementById('username').value,
        document.getElementById('password').value,
      );
      sessionStorage.setItem('token', token);
      await loadAnimals(token);
    } catch (err) {
      setStatus(String(err.message ?? err));
    }
  });
}
