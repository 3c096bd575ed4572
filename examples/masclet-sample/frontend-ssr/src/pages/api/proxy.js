// Like the real application's server-side proxy: forwards anything it is asked to. The
// deployment must keep it unreachable from outside (the recipe's deny_paths).
export async function GET({ url }) {
  const target = url.searchParams.get('url') ?? '';
  return new Response(`would proxy to ${target}\n`, { status: 200 });
}
