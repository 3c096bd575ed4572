"""The server-rendered frontend on the site's own name: Node renders pages from API
calls, nginx serves it beside the API (same origin) with the hashed files from disk,
and a real browser logs in and sees rows that came from PostgreSQL."""

import re
import uuid

import pytest
from selenium import webdriver

from tests.conftest import ROOT, run
from tests.e2e.conftest import API, CONTAINER, SITE, Api, secret
from tests.load import LOOPBACK


def new_animal(api, token, name: str) -> int:
    r = api.request(
        "POST",
        "/api/v1/animals",
        token=token,
        body=f'{{"nom": "{name}", "genere": "F", "estat": "OK", "explotacio": "Gurans"}}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status in (200, 201), r.data[:300]
    return r.json()["id"]


def test_the_login_page_is_rendered_by_node_with_security_headers(site):
    r = site.request("GET", "/login")
    assert r.status == 200
    assert "text/html" in r.headers["content-type"]
    page = r.data.decode()
    assert "rendered by Node" in page and 'id="login-form"' in page
    assert "max-age=31536000" in r.headers["strict-transport-security"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_pages_need_the_visitors_token_and_render_rows_from_postgresql(site, api, admin_token):
    name = f"Ssr-{uuid.uuid4().hex[:6]}"
    animal = new_animal(api, admin_token, name)
    anonymous = site.request("GET", "/", redirect=False)
    assert anonymous.status == 302 and anonymous.headers["location"].endswith("/login")

    cookie = {"Cookie": f"token={admin_token}"}
    home = site.request("GET", "/", headers=cookie)
    assert home.status == 200
    assert f'<a href="/animals/{animal}">{name}</a>' in home.data.decode()
    detail = site.request("GET", f"/animals/{animal}", headers=cookie)
    assert detail.status == 200
    assert re.search(rf'<h1 class="nom"[^>]*>{name}</h1>', detail.data.decode())
    missing = site.request("GET", "/animals/99999999", headers=cookie)
    assert missing.status == 404


def test_hashed_files_come_from_disk_with_a_long_cache(site):
    page = site.request("GET", "/login").data.decode()
    assets = sorted(set(re.findall(r'/_astro/[^"\')\s]+', page)))
    assert assets, "the page names no hashed file"
    code = ""
    for path in assets:
        r = site.request("GET", path)
        assert r.status == 200, (path, r.status)
        assert "immutable" in r.headers["cache-control"], r.headers.get("cache-control")
        code += r.data.decode()
    # The browser's code calls the API on the site's own origin (VITE_API_URL baked in).
    assert f"https://{SITE}/api/v1" in code
    assert site.request("GET", "/_astro/no-such-file.js").status == 404


def test_www_redirects_to_the_site_keeping_the_path(api):
    www = Api(api.ca_certs, host=f"www.{SITE}")
    r = www.request("GET", "/animals/3?x=1", redirect=False)
    assert r.status == 301
    assert r.headers["location"] == f"https://{SITE}/animals/3?x=1"


@pytest.mark.parametrize(
    "method,path",
    [("GET", "/api/proxy?url=http://169.254.169.254/"), ("POST", "/api/v1/admin/reset-database")],
)
def test_what_the_application_leaves_open_is_refused_on_the_site_too(site, method, path):
    assert site.request(method, path).status == 404


def test_the_api_answers_on_the_sites_own_origin(site, admin_token):
    # Components of the real frontend call a relative /api/v1 (same origin).
    r = site.request("GET", "/api/v1/animals", token=admin_token)
    assert r.status == 200 and isinstance(r.json(), list)
    assert site.request("GET", "/api/v1/animals").status == 401


def test_node_runs_unprivileged_and_small(site):
    out = run(
        ["docker", "exec", CONTAINER, "ps", "-o", "user:32=,rss=", "-C", "node"], check=True
    ).stdout.split()
    assert out, "no Node process on the host"
    users, rss = out[0::2], [int(kb) for kb in out[1::2]]
    assert set(users) == {"masclet-frontend"}, users
    assert max(rss) < 300 * 1024, f"Node uses {max(rss) // 1024} MiB"


def browser(tmp_path):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        # Everything the page needs lives on loopback; any other name fails.
        f"--host-resolver-rules=MAP {SITE} {LOOPBACK}, MAP {API} {LOOPBACK}, MAP * ~NOTFOUND",
        # The certificate comes from pebble's throwaway root, which this profile does not
        # know; the HTTP tests above verify that chain properly.
        "--ignore-certificate-errors",
        "--window-size=1200,900",
    ):
        opts.add_argument(flag)
    return webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))


def test_a_browser_logs_in_and_follows_a_dynamic_route(api, admin_token, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    name = f"Browser-{uuid.uuid4().hex[:6]}"
    new_animal(api, admin_token, name)
    driver = browser(tmp_path)
    try:
        driver.get(f"https://{SITE}/")
        WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, "login-form")))
        driver.find_element(By.ID, "username").send_keys("admin")
        driver.find_element(By.ID, "password").send_keys(secret("admin-password"))
        driver.find_element(By.ID, "login").click()
        WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, "animals")))
        table = driver.find_element(By.ID, "animals").text
        driver.find_element(By.LINK_TEXT, name).click()
        WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, "animal")))
        heading = driver.find_element(By.CSS_SELECTOR, "#animal .nom").text
        shot = ROOT / ".local/logs/frontend.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    assert name in table
    assert heading == name
