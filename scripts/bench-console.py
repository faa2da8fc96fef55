#!/usr/bin/env python3
"""Measures the web console's first page load in headless Chromium: a new browser (empty cache) opens
`/`, and the login form is the first thing a newcomer can use. Reports, over RUNS loads (median and
worst): the bytes transferred (document, styles, every JavaScript module), the number of requests, the
time to DOMContentLoaded, to the load event and until the login form is on screen. Then one load with
a warm cache (revalidated with 304s).

Usage: bench-console.py BASE_URL [RUNS]   (scripts/bench-console.sh starts the server)
"""
import statistics
import sys
import time

sys.path.insert(0, "Tests/Browser")
from support import new_driver  # noqa: E402  (Chromium as the browser tests configure it)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

base = sys.argv[1].rstrip("/")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10

MEASURE = """
const nav = performance.getEntriesByType('navigation')[0];
const resources = performance.getEntriesByType('resource');
return {
  bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
  body: nav.encodedBodySize + resources.reduce((sum, r) => sum + r.encodedBodySize, 0),
  requests: 1 + resources.length,
  dcl: nav.domContentLoadedEventEnd,
  load: nav.loadEventEnd,
  ready: window.__formShownAt,
};
"""
# Records when the login form's password field first exists, by the page's own clock.
PROBE = """
new MutationObserver((_, observer) => {
  if (document.querySelector('input[type=password]')) { window.__formShownAt = performance.now(); observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""


def load(driver):
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
    driver.get(base + "/")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=password]"))
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return performance.getEntriesByType('navigation')[0].loadEventEnd > 0"))
    return driver.execute_script(MEASURE)


cold = []
for _ in range(runs):
    driver = new_driver()
    try:
        cold.append(load(driver))
    finally:
        driver.quit()

driver = new_driver()
try:
    load(driver)
    warm = load(driver)
finally:
    driver.quit()


def summary(key, unit="ms"):
    values = [r[key] for r in cold]
    return f"median {statistics.median(values):.0f} {unit}, worst {max(values):.0f} {unit}"


print(f"first load of / in a new headless Chromium, {runs} runs, {base}")
print(f"transferred: {cold[0]['bytes']} bytes ({cold[0]['body']} bytes of content) in {cold[0]['requests']} requests")
print(f"DOMContentLoaded: {summary('dcl')}")
print(f"load event: {summary('load')}")
print(f"login form on screen: {summary('ready')}")
print(f"warm cache: {warm['bytes']} bytes transferred in {warm['requests']} requests, form on screen at {warm['ready']:.0f} ms")
