"""The published frontend in a real browser: it loads from the local S3,
calls the API over HTTPS, and shows rows that came from PostgreSQL."""

import uuid

from selenium import webdriver

from tests.conftest import ROOT
from tests.e2e.conftest import API, secret

FRONTEND_HOST = "masclet-local-frontend.s3-website-eu-west-1.amazonaws.com"


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
        "--host-resolver-rules="
        f"MAP {API} 127.0.0.1, MAP {FRONTEND_HOST} 127.0.0.1:4566, MAP * ~NOTFOUND",
        # The API's certificate comes from pebble's throwaway root, which this
        # profile does not know; test_01 verifies that chain properly.
        "--ignore-certificate-errors",
        "--window-size=1200,900",
    ):
        opts.add_argument(flag)
    return webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))


def test_frontend_shows_data_from_postgresql(api, admin_token, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    name = f"Browser-{uuid.uuid4().hex[:6]}"
    r = api.request(
        "POST",
        "/api/v1/animals",
        token=admin_token,
        body=f'{{"nom": "{name}", "genere": "F", "estat": "OK", "explotacio": "Gurans"}}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status in (200, 201)

    driver = browser(tmp_path)
    try:
        driver.get(f"http://{FRONTEND_HOST}/index.html")
        driver.find_element(By.ID, "username").send_keys("admin")
        driver.find_element(By.ID, "password").send_keys(secret("admin-password"))
        driver.find_element(By.ID, "login").click()
        WebDriverWait(driver, 30).until(
            ec.text_to_be_present_in_element((By.ID, "status"), "loaded")
        )
        table = driver.find_element(By.ID, "animals").text
        shot = ROOT / ".local/logs/frontend.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(shot))
        print(f"screenshot: {shot}")
    finally:
        driver.quit()
    assert name in table
