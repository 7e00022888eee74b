"""The flow map in the browser, on the demo: laid out by ELK under the page's policy, no edge through a
box, every edge labelled, a highlight that dims the rest, zoom, and a table that says the same."""

import re

from playwright.sync_api import Page, expect

from decisions import demo

# For each edge segment and each box it does not start or end at: does the segment pass through the box
# (shrunk by a pixel, so running along an edge's own border is not a crossing)?
CROSSINGS = """() => {
  const boxes = [...document.querySelectorAll('.map-node-link')].map(a => {
    const r = a.querySelector('rect');
    return {id: a.dataset.node, x: +r.getAttribute('x') + 1, y: +r.getAttribute('y') + 1,
            w: +r.getAttribute('width') - 2, h: +r.getAttribute('height') - 2};
  });
  const crossings = [];
  for (const link of document.querySelectorAll('.map-edge-link')) {
    for (const path of link.querySelectorAll('path.edge')) {
      const points = JSON.parse(path.dataset.points);
      for (let i = 1; i < points.length; i++) {
        const [x1, y1] = points[i - 1], [x2, y2] = points[i];
        for (const b of boxes) {
          if (b.id === link.dataset.source || b.id === link.dataset.target) continue;
          const left = Math.min(x1, x2), right = Math.max(x1, x2), top = Math.min(y1, y2), bottom = Math.max(y1, y2);
          if (right > b.x && left < b.x + b.w && bottom > b.y && top < b.y + b.h) crossings.push(b.id);
        }
      }
    }
  }
  return crossings;
}"""


def test_the_flow_map_is_laid_out_readably_and_highlights_a_team(page: Page, live_server, screenshot):
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)
    page.on("pageerror", lambda error: violations.append(str(error)))
    demo.load_demo(log=lambda line: None)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Map", exact=True).click()
    map_ = page.get_by_role("group", name="Flow map")
    expect(map_).to_be_visible()
    edges = page.locator(".map-edge-link")
    assert edges.count() >= 15
    assert page.locator(".edge-label").count() == edges.count()  # every edge carries its flow and style
    assert page.evaluate(CROSSINGS) == []
    screenshot(page, "flow-map")
    box = map_.bounding_box()
    assert box["width"] <= 1280  # fitted, not cut off

    page.get_by_label("Highlight").select_option(label="Payments")
    expect(page.get_by_role("status")).to_contain_text("services highlighted")
    assert page.locator(".map-node-link.lit").count() >= 2
    assert page.locator(".map-node-link:not(.lit)").count() >= 1
    page.get_by_label("Find a service").fill("checkout")
    expect(page.locator('.map-node-link.lit:has-text("checkout")')).to_have_count(1)

    before = page.locator(".viewport").get_attribute("transform")
    page.get_by_role("button", name="Zoom in").click()
    assert page.locator(".viewport").get_attribute("transform") != before
    page.locator(".map-edge-link .edge-label").first.click()
    expect(page).to_have_url(re.compile(r"/flows/\d+/$"))  # an arrow leads to its flow
    assert violations == []
