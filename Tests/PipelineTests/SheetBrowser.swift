import Foundation
import Testing

/// Opens a review sheet in headless Chromium at a phone's width and a desktop's, and reports what a
/// person would run into: images that do not load, console errors and failed loads, anything wider than
/// the window, filters whose counts are wrong, links to files that are not there. Screenshots are kept in
/// the test's temporary folder (never in git) and their paths printed.
struct SheetBrowser {
    /// What one width showed.
    struct Findings {
        var width: Int
        /// The layout viewport's width: equal to `width` only when `<meta viewport>` does its job.
        var viewportWidth: Int
        var pageOverflow: Int
        /// Elements reaching past the window's right edge, or wider than their card (tag.class and px).
        var overflowing: [String]
        var images: Int
        var lazyImages: Int
        /// Images fetched before anything scrolled: with lazy loading, only those near the first screen.
        var imagesFetchedAtLoad: Int
        var brokenImages: [String]
        /// Per filter (its state, or `all`): the count on its label, the cards it showed, and how many of
        /// those were of another state.
        var filters: [(state: String, label: Int, visible: Int, foreign: Int)]
        var items: Int
        var simulatedBadges: Int
        var ruleSections: Int
        var fileLinks: [String]
        /// Console errors, uncaught exceptions and failed loads, as Chromium reported them.
        var errors: [String]
        var screenshot: String
    }

    /// The script run in the page once it has loaded: it measures, makes every lazy image load and waits
    /// for them, clicks every filter, and returns what it found as JSON.
    static let probe = """
        (async () => {
          const doc = document.documentElement;
          const images = [...document.images];
          const found = {
            viewportWidth: doc.clientWidth,
            images: images.length,
            lazyImages: images.filter(i => i.loading === 'lazy').length,
            imagesFetchedAtLoad: performance.getEntriesByType('resource').filter(e => e.initiatorType === 'img').length,
            items: document.querySelectorAll('main .item').length,
            simulatedBadges: document.querySelectorAll('main .item .sim').length,
            ruleSections: document.querySelectorAll('main .item .rules').length,
          };
          // Lay every card out (cards off screen are skipped by content-visibility) before measuring.
          const unskip = document.createElement('style');
          unskip.textContent = '.item{content-visibility:visible!important}';
          document.head.append(unskip);
          found.pageOverflow = doc.scrollWidth - doc.clientWidth;
          const overflowing = [];
          const name = el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '');
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue;
            if (box.right > doc.clientWidth + 0.5) overflowing.push(name(el) + ' reaches ' + Math.round(box.right) + ' px');
            if (overflowing.length >= 20) break;
          }
          for (const card of document.querySelectorAll('main .item')) {
            if (card.scrollWidth > card.clientWidth + 1) overflowing.push('card ' + card.id + ' holds ' + card.scrollWidth + ' px in ' + card.clientWidth);
            if (overflowing.length >= 20) break;
          }
          found.overflowing = overflowing;
          unskip.remove();
          // Every image, loaded: a lazy image starts loading when it becomes eager.
          for (const img of images) img.loading = 'eager';
          await Promise.all(images.map(img => img.complete ? null : new Promise(done => {
            img.addEventListener('load', done, { once: true });
            img.addEventListener('error', done, { once: true });
          })));
          found.brokenImages = images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
          found.filters = [];
          const cards = [...document.querySelectorAll('main .item')];
          for (const label of document.querySelectorAll('nav.filters label')) {
            label.click();
            const state = label.dataset.state;
            const shown = cards.filter(card => card.getClientRects().length > 0);
            found.filters.push({ state, label: Number(label.querySelector('.n').textContent), visible: shown.length,
                                 foreign: state === 'all' ? 0 : shown.filter(card => !card.classList.contains('s-' + state)).length });
          }
          document.querySelector('nav.filters label[data-state=all]').click();
          const page = location.href.split('#')[0];
          found.fileLinks = [...new Set([...document.querySelectorAll('a[href]')].map(a => a.href.split('#')[0]))]
            .filter(h => h.startsWith('file:') && h !== page);
          return JSON.stringify(found);
        })()
        """

    /// More cards than the first `screenshotHeight` pixels hold at any width.
    static let cardsInScreenshot = 100

    let browser: Chromium
    let session: String

    /// A browser with one page.
    static func open(scratch: String) async throws -> SheetBrowser {
        let browser = try Chromium(scratch: scratch)
        do {
            let target = try await browser.call("Target.createTarget", ["url": "about:blank"])
            let attached = try await browser.call("Target.attachToTarget", ["targetId": target["targetId"] as? String ?? "", "flatten": true])
            let session = try #require(attached["sessionId"] as? String)
            for domain in ["Page.enable", "Runtime.enable", "Log.enable"] { _ = try await browser.call(domain, session: session) }
            return SheetBrowser(browser: browser, session: session)
        } catch {
            await browser.quit()
            throw error
        }
    }

    func close() async { await browser.quit() }

    /// Loads `sheet` at `width` CSS pixels (a phone's touch viewport below 600) and probes it; the
    /// screenshot (the first `screenshotHeight` pixels of the page) goes to `screenshot`.
    func check(_ sheet: String, width: Int, screenshot: String, screenshotHeight: Int = 6000) async throws -> Findings {
        _ = try await browser.call("Emulation.setDeviceMetricsOverride",
                                   ["width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600], session: session)
        let before = browser.eventCount
        _ = try await browser.call("Page.navigate", ["url": URL(fileURLWithPath: sheet).absoluteString], session: session)
        _ = try await browser.waitForEvent("Page.loadEventFired", session: session, after: before)
        let evaluated = try await browser.call("Runtime.evaluate", ["expression": Self.probe, "awaitPromise": true, "returnByValue": true],
                                               session: session, timeout: 300)
        if let exception = evaluated["exceptionDetails"] as? [String: Any] {
            throw Chromium.Failure.protocolError(method: "the probe", message: "\(exception)")
        }
        let text = try #require((evaluated["result"] as? [String: Any])?["value"] as? String)
        let found = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])

        // The screenshot shows the cards it reaches drawn, not the placeholders of cards off screen; only
        // those are laid out, so a sheet of thousands costs no more than one of a hundred.
        _ = try await browser.call("Runtime.evaluate", ["expression": "document.head.insertAdjacentHTML('beforeend', "
                                                          + "'<style>.item:nth-child(-n+\(Self.cardsInScreenshot)){content-visibility:visible!important}</style>')"],
                                   session: session)
        let metrics = try await browser.call("Page.getLayoutMetrics", session: session)
        let content = metrics["cssContentSize"] as? [String: Any] ?? [:]
        let height = min(Int((content["height"] as? Double) ?? 900), screenshotHeight)
        let shot = try await browser.call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true,
                                                                    "clip": ["x": 0, "y": 0, "width": width, "height": height, "scale": 1]],
                                          session: session)
        let png = try #require(Data(base64Encoded: shot["data"] as? String ?? ""))
        try png.write(to: URL(fileURLWithPath: screenshot))
        print("review sheet screenshot (\(width) px): \(screenshot)")

        let filters = (found["filters"] as? [[String: Any]] ?? []).map {
            (state: $0["state"] as? String ?? "", label: $0["label"] as? Int ?? -1, visible: $0["visible"] as? Int ?? -1, foreign: $0["foreign"] as? Int ?? -1)
        }
        return Findings(
            width: width, viewportWidth: found["viewportWidth"] as? Int ?? 0, pageOverflow: found["pageOverflow"] as? Int ?? -1,
            overflowing: found["overflowing"] as? [String] ?? [], images: found["images"] as? Int ?? 0,
            lazyImages: found["lazyImages"] as? Int ?? 0, imagesFetchedAtLoad: found["imagesFetchedAtLoad"] as? Int ?? 0,
            brokenImages: found["brokenImages"] as? [String] ?? [], filters: filters, items: found["items"] as? Int ?? 0,
            simulatedBadges: found["simulatedBadges"] as? Int ?? 0, ruleSections: found["ruleSections"] as? Int ?? 0,
            fileLinks: found["fileLinks"] as? [String] ?? [], errors: errors(after: before), screenshot: screenshot)
    }

    /// Console errors and assertions, uncaught exceptions and error log entries (failed loads among them).
    private func errors(after start: Int) -> [String] {
        browser.events(from: start).compactMap { event -> String? in
            guard event["sessionId"] as? String == session, let params = event["params"] as? [String: Any] else { return nil }
            switch event["method"] as? String {
            case "Runtime.consoleAPICalled":
                guard ["error", "assert"].contains(params["type"] as? String ?? "") else { return nil }
                return "console.\(params["type"] ?? ""): \((params["args"] as? [[String: Any]])?.map { "\($0["value"] ?? $0["description"] ?? "")" } ?? [])"
            case "Runtime.exceptionThrown":
                return "exception: \(params["exceptionDetails"] ?? "")"
            case "Log.entryAdded":
                guard let entry = params["entry"] as? [String: Any], entry["level"] as? String == "error" else { return nil }
                return "log: \(entry["text"] ?? "") \(entry["url"] ?? "")"
            default:
                return nil
            }
        }
    }
}
