package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/newsflow/newsflow/search"
)

// Chromium for the browser test: Debian's package (the machine is offline,
// so no test tool can download a browser of its own).
const (
	envChromium     = "NEWSFLOW_CHROMIUM"
	defaultChromium = "/usr/bin/chromium"
	chromiumInstall = "apt-get update && apt-get install -y chromium chromium-driver"
	envArtifacts    = "NEWSFLOW_ARTIFACTS"
)

// chromium returns the browser binary, or skips the test (fails it under
// CI=true) with the command that installs it.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv(envChromium)
	if path == "" {
		path = defaultChromium
	}
	if _, err := exec.LookPath(path); err != nil {
		msg := "headless Chromium not found at " + path + " (set " + envChromium + "); install it with `" + chromiumInstall + "`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: the browser test must run)")
		}
		t.Skip(msg)
	}
	return path
}

// artifactsDir is $NEWSFLOW_ARTIFACTS, else artifacts/ at the module root
// (ignored by git).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(envArtifacts)
	if dir == "" {
		wd, err := os.Getwd()
		require.NoError(t, err)
		root := wd
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				root = wd
				break
			}
			root = parent
		}
		dir = filepath.Join(root, "artifacts")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// browser starts headless Chromium with a fresh profile and the flags that
// keep it off the network (polyglot.md), and counts JavaScript dialogs: an
// alert() from an article would be one (and is dismissed).
func browser(t *testing.T, exe string, dialogs *atomic.Int32) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first call starts the browser; it must have no deadline.
	require.NoError(t, chromedp.Do(ctx), "start %s", exe)
	events := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			dialogs.Add(1)
			t.Logf("JavaScript dialog opened: %q", ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return ctx
}

// do runs browser steps with a deadline.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(tctx, steps...), what)
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	require.NoError(t, err, "screenshot "+name)
	path := filepath.Join(artifactsDir(t), name)
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
}

// The payload: an HTML article whose title is escaped markup (its text is
// an image element: real markup in a title is removed, as in the body) and
// whose body text is a script element and another image.
const xssPayload = `{"source":"xss-test","source_id":"x1","content_type":"text/html",` +
	`"title":"&lt;img src=x onerror=alert(1)&gt; Quay","body":"<p>Residents wrote &lt;script&gt;alert(2)&lt;/script&gt; on the quay wall.</p>` +
	`<p>Another &lt;img src=y onerror=alert(3)&gt; with 7,500 ships.</p>"}`

// TestIntegrationUpInBrowser drives the search page of `newsflow up` in
// headless Chromium: the seed article dropped into the watched directory is
// found by a phrase, opened with its duplicate lede marked and "5,000"
// highlighted as a figure, and kept by the filter "figures of at least
// 1,000"; an article whose title and text are HTML renders as text.
// Screenshots go to $NEWSFLOW_ARTIFACTS (default artifacts/).
func TestIntegrationUpInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	exe := chromium(t)
	dir := t.TempDir()
	data, watchDir := filepath.Join(dir, "data"), filepath.Join(dir, "watch")
	require.NoError(t, os.MkdirAll(watchDir, 0o755))
	up := startUp(t, upArgs(data, watchDir)...)
	dropSeed(t, watchDir)
	up.push(t, xssPayload)
	up.waitTotal(t, "", sampleCount+2)
	// A story and its copy from another source, pushed one after the other
	// so that the copy's paragraphs point at the first.
	up.push(t, harbourFirst)
	up.waitTotal(t, "", sampleCount+3)
	up.push(t, harbourCopy)
	up.waitTotal(t, "", sampleCount+4)

	var dialogs atomic.Int32
	ctx := browser(t, exe, &dialogs)
	const seedTitle = "Russia and Ukraine sit down to negotiate while the offensive continues"

	t.Run("a phrase finds the seed article", func(t *testing.T) {
		do(t, ctx, "search",
			chromedp.Navigate(up.url),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)),
			chromedp.SendKeys(chromedp.ID("q"), `"unlikely agreement"`),
			chromedp.Click(chromedp.ID("search-button")),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)),
		)
		titles := eval[[]string](t, ctx, `[...document.querySelectorAll("#hits li.hit a.title")].map(a => a.textContent)`)
		marks := eval[[]string](t, ctx, `[...document.querySelectorAll("#hits li.hit .fragment mark")].map(m => m.textContent)`)
		require.Equal(t, []string{seedTitle}, titles)
		require.Equal(t, []string{"unlikely", "agreement"}, marks, "the phrase's words are highlighted")
		screenshot(t, ctx, "up-search.png")
	})

	t.Run("the article shows the duplicate lede and the figure 5,000", func(t *testing.T) {
		type para struct {
			Status, Badge, Text string
		}
		do(t, ctx, "open the article",
			chromedp.Click(chromedp.CSS(`#hits li.hit a.title`)),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="article"]`)),
		)
		paras := eval[[]para](t, ctx, `[...document.querySelectorAll("#article section.para")].map(s => ({
			Status: s.dataset.status, Badge: s.querySelector(".badge").textContent, Text: s.querySelector("p").textContent}))`)
		figures := eval[[]string](t, ctx, `[...document.querySelectorAll("#paragraphs mark.figure")].map(m => m.textContent)`)
		figureParagraph := eval[string](t, ctx, `[...document.querySelectorAll("#paragraphs mark.figure")].find(m => m.textContent === "5,000").closest("section").querySelector("p").textContent`)
		require.GreaterOrEqual(t, len(paras), 4)
		lede := "Representatives from Moscow and Kiev are meeting at this hour in the town of Gomel"
		require.Equal(t, "unique", paras[2].Status)
		require.True(t, strings.HasPrefix(paras[2].Text, lede))
		require.Equal(t, para{Status: "duplicate", Badge: "duplicate", Text: paras[2].Text}, paras[3], "the repeated lede is marked duplicate")
		require.Contains(t, figures, "5,000")
		require.Contains(t, figures, "five kilometers", "figures after multi-byte characters (’, «) are placed right")
		require.Contains(t, figureParagraph, "exceeds 5,000 soldiers")
		legend := eval[string](t, ctx, `document.getElementById("legend").textContent`)
		for _, s := range []string{"unique", "duplicate", "repeated", "boilerplate", "updated", "figure"} {
			require.Contains(t, legend, s)
		}
		screenshot(t, ctx, "up-article.png")
	})

	t.Run("the filter figures of at least 1,000 keeps it", func(t *testing.T) {
		do(t, ctx, "filter",
			chromedp.Click(chromedp.CSS(`#article a[href^="#search"]`)),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)),
			chromedp.Click(chromedp.ID("clear")), // empties the form: every article
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)),
			chromedp.SendKeys(chromedp.ID("min"), "1,000"),
			chromedp.Click(chromedp.ID("search-button")),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)),
		)
		want := up.search(t, "min=1000&group=story")
		var wantTitles []string
		for _, h := range want.Hits {
			wantTitles = append(wantTitles, h.Title)
		}
		var titles []string
		require.Eventually(t, func() bool {
			titles = eval[[]string](t, ctx, `[...document.querySelectorAll("#hits li.hit a.title")].map(a => a.textContent)`)
			return strings.Join(titles, "|") == strings.Join(wantTitles, "|")
		}, 10*time.Second, 100*time.Millisecond, "the page shows the API's answer for min=1000: %q\nthe page: %q at %s", wantTitles, &titles,
			eval[string](t, ctx, `location.hash`))
		require.Contains(t, wantTitles, seedTitle)
		require.Less(t, want.Total, sampleCount+2, "the filter leaves articles out")
		require.Equal(t, "1,000", eval[string](t, ctx, `document.getElementById("min").value`))
		screenshot(t, ctx, "up-filter.png")
	})

	t.Run("an HTML payload renders as text", func(t *testing.T) {
		type dom struct {
			Imgs, Scripts       int
			Title, Heading, All string
		}
		const count = `({Imgs: document.querySelectorAll("img").length, Scripts: document.scripts.length,
			Title: (document.querySelector("#hits li.hit a.title")||{}).textContent || "",
			Heading: (document.querySelector("#article h1")||{}).textContent || "",
			All: document.body.innerText})`
		do(t, ctx, "search the payload",
			chromedp.Navigate(up.url+"#search?source=xss-test&q=quay"),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)),
		)
		hit := eval[dom](t, ctx, count)
		require.Equal(t, 0, hit.Imgs, "no image element was created")
		require.Equal(t, 1, hit.Scripts, "only the page's own script")
		require.Equal(t, "<img src=x onerror=alert(1)> Quay", hit.Title)
		require.Contains(t, hit.All, "Residents wrote <script>alert(2)</script> on the quay wall.")
		screenshot(t, ctx, "up-xss-results.png")

		do(t, ctx, "open the payload",
			chromedp.Click(chromedp.CSS(`#hits li.hit a.title`)),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="article"]`)),
		)
		art := eval[dom](t, ctx, count)
		require.Equal(t, 0, art.Imgs)
		require.Equal(t, 1, art.Scripts)
		require.Equal(t, "<img src=x onerror=alert(1)> Quay", art.Heading)
		require.Contains(t, art.All, "Residents wrote <script>alert(2)</script> on the quay wall.")
		require.Contains(t, art.All, "Another <img src=y onerror=alert(3)> with 7,500 ships.")
		screenshot(t, ctx, "up-xss-article.png")
		require.Zero(t, dialogs.Load(), "no alert() ran")
	})

	titles := func() []string {
		return eval[[]string](t, ctx, `[...document.querySelectorAll("#hits li.hit a.title")].map(a => a.textContent)`)
	}
	searchFor := func(q string) {
		t.Helper()
		do(t, ctx, "search "+q,
			chromedp.Navigate(up.url+"#search?"),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)),
			chromedp.SetValue(chromedp.ID("q"), q),
			chromedp.Click(chromedp.ID("search-button")),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"], body[data-state="error"]`)),
		)
	}

	t.Run("the syntax hint is under the search box", func(t *testing.T) {
		do(t, ctx, "page", chromedp.Navigate(up.url), chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)))
		require.Eventually(t, func() bool {
			return eval[string](t, ctx, `document.getElementById("syntax-hint").textContent`) == search.SyntaxHint
		}, 10*time.Second, 100*time.Millisecond)
		require.True(t, eval[bool](t, ctx, `!!document.getElementById("syntax-hint").offsetParent`), "visible")
	})

	t.Run("a sentence of ordinary words finds the seed article", func(t *testing.T) {
		searchFor("the talks in the town of Gomel")
		require.Equal(t, []string{seedTitle}, titles(), "stop words (the, in, of) are ignored, talks finds talk")
		marks := eval[[]string](t, ctx, `[...document.querySelectorAll("#hits li.hit .fragment mark")].map(m => m.textContent.toLowerCase())`)
		require.Contains(t, marks, "gomel")
		require.NotContains(t, marks, "the")
	})

	t.Run("query syntax", func(t *testing.T) {
		searchFor("*")
		all := up.search(t, "group=story")
		require.Equal(t, sampleCount+4, all.Total)
		require.Len(t, titles(), all.Stories, "* is everything, a story once (the harbour copies are one)")
		require.Equal(t, fmt.Sprintf("%d stories (%d articles)", all.Stories, all.Total), eval[string](t, ctx, `document.getElementById("summary").textContent`))
		searchFor("title:negotiate")
		require.Equal(t, []string{seedTitle}, titles())
		searchFor("Gomel -Kiev")
		require.Empty(t, titles(), "the seed article mentions Kiev")
		require.Contains(t, eval[string](t, ctx, `document.getElementById("empty").textContent`), "No article matches this search")
		searchFor("Gomel OR Kiev")
		require.Equal(t, "error", eval[string](t, ctx, `document.body.dataset.state`))
		require.Contains(t, eval[string](t, ctx, `document.getElementById("error").textContent`), "alternatives are not supported")
		screenshot(t, ctx, "up-syntax-error.png")
	})

	t.Run("newest first", func(t *testing.T) {
		do(t, ctx, "sort", chromedp.Navigate(up.url+"#search?sort=newest"), chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)))
		want := up.search(t, "sort=newest&group=story")
		var wantTitles []string
		for _, h := range want.Hits {
			wantTitles = append(wantTitles, h.Title)
		}
		require.Equal(t, wantTitles, titles())
		require.Equal(t, "newest", eval[string](t, ctx, `document.getElementById("sort").value`))
	})

	t.Run("a day from the facet", func(t *testing.T) {
		do(t, ctx, "page", chromedp.Navigate(up.url+"#search?"), chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)))
		days := eval[[]string](t, ctx, `[...document.querySelectorAll("#day option")].map(o => o.textContent)`)
		require.Contains(t, days, "2024-05-06 (2)", "the harbour story and its copy")
		eval[bool](t, ctx, `(() => { const s = document.getElementById("day"); s.value = "2024-05-06"; s.dispatchEvent(new Event("change")); return true; })()`)
		require.Eventually(t, func() bool {
			return eval[string](t, ctx, `location.hash`) == "#search?from=2024-05-06&to=2024-05-06" && eval[string](t, ctx, `document.body.dataset.state`) == "results"
		}, 10*time.Second, 100*time.Millisecond)
		require.Eventually(t, func() bool { return len(titles()) == 1 }, 10*time.Second, 100*time.Millisecond)
		require.Equal(t, "2024-05-06", eval[string](t, ctx, `document.getElementById("day").value`))
	})

	t.Run("copies are grouped under one story and point at the first by title", func(t *testing.T) {
		searchFor("Genoa harbour")
		require.Len(t, titles(), 1, "one story")
		summary := eval[string](t, ctx, `document.querySelector("#hits li.hit details.story summary").textContent`)
		require.Equal(t, "1 more version or copy of this story", summary)
		members := eval[[]string](t, ctx, `[...document.querySelectorAll("#hits li.hit details.story a.member")].map(a => a.textContent)`)
		require.Len(t, members, 1)
		require.ElementsMatch(t, []string{"Harbour reopens after the storm", "Genoa harbour open again"}, append(members, titles()...))
		screenshot(t, ctx, "up-story.png")

		copyID := up.search(t, "q=source:wire+harbour").Hits[0].ID
		do(t, ctx, "open the copy",
			chromedp.Navigate(up.url+"#article/"+copyID),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="article"]`)),
		)
		refs := eval[[]string](t, ctx, `[...document.querySelectorAll("#paragraphs a.ref-article")].map(a => a.textContent)`)
		require.NotEmpty(t, refs, "the copy's paragraphs appeared in the first")
		for _, r := range refs {
			require.Equal(t, "Harbour reopens after the storm", r, "by title, not id")
		}
		screenshot(t, ctx, "up-references.png")
	})

	t.Run("the figure that matched the filter is highlighted", func(t *testing.T) {
		do(t, ctx, "filter",
			chromedp.Navigate(up.url+"#search?q=Gomel&min=1000"),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="results"]`)),
		)
		chips := eval[[]string](t, ctx, `[...document.querySelectorAll("#hits li.hit .chips mark.figure.matched")].map(m => m.textContent)`)
		require.Contains(t, chips, "5,000")
		do(t, ctx, "open",
			chromedp.Click(chromedp.CSS(`#hits li.hit a.title`)),
			chromedp.WaitVisible(chromedp.CSS(`body[data-state="article"]`)),
		)
		type fig struct {
			Text    string
			Value   float64
			Matched bool
		}
		var figs []fig
		require.Eventually(t, func() bool {
			figs = eval[[]fig](t, ctx, `[...document.querySelectorAll("#paragraphs mark.figure")].map(m => ({Text: m.textContent, Value: parseFloat(m.dataset.value), Matched: m.classList.contains("matched")}))`)
			return len(figs) > 0
		}, 10*time.Second, 100*time.Millisecond)
		matched := 0
		for _, f := range figs {
			require.Equal(t, f.Value >= 1000, f.Matched, "%s: matched exactly when it satisfies min=1000", f.Text)
			if f.Matched {
				matched++
			}
		}
		require.Positive(t, matched)
		require.Less(t, matched, len(figs), "other figures stay plain")
		screenshot(t, ctx, "up-matched-figure.png")
	})

	t.Run("the live panel reads the metrics", func(t *testing.T) {
		do(t, ctx, "live panel", chromedp.Navigate(up.url), chromedp.WaitVisible(chromedp.ID("live-indexed")))
		require.Eventually(t, func() bool {
			return strings.HasPrefix(eval[string](t, ctx, `document.getElementById("live-indexed").textContent`), fmt.Sprintf("%d ", sampleCount+4))
		}, 10*time.Second, 200*time.Millisecond)
		require.Eventually(t, func() bool {
			return eval[string](t, ctx, `(document.querySelector("#live-sources li.watch")||{}).dataset?.state || ""`) == "ok" &&
				strings.Contains(eval[string](t, ctx, `document.getElementById("live-sources").textContent`), "feed iptc")
		}, 10*time.Second, 200*time.Millisecond, "feed and watch health: %s", eval[string](t, ctx, `document.getElementById("live-sources").textContent`))
		require.Equal(t, "none", eval[string](t, ctx, `document.getElementById("dead-letters").textContent`))
		screenshot(t, ctx, "up-live.png")
	})

	t.Run("an empty index says where articles come from", func(t *testing.T) {
		emptyWatch := t.TempDir()
		empty := startUp(t, "--data-dir", t.TempDir(), "--samples=false", "--watch", emptyWatch)
		do(t, ctx, "empty page", chromedp.Navigate(empty.url), chromedp.WaitVisible(chromedp.ID("empty")))
		text := eval[string](t, ctx, `document.getElementById("empty").textContent`)
		require.Contains(t, text, "0 articles: drop files")
		require.Contains(t, text, emptyWatch)
		require.Contains(t, text, "POST "+empty.url+"v1/articles")
		screenshot(t, ctx, "up-empty.png")

		// A message the worker cannot read, from another client.
		addr := brokerRE.FindStringSubmatch(empty.stdout.String())[1]
		tr := &kafka.Transport{}
		defer tr.CloseIdleConnections()
		w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: "news.raw", Transport: tr, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
		wctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, w.WriteMessages(wctx, kafka.Message{Key: []byte("desk:poison"), Value: []byte("{not json")}))
		require.NoError(t, w.Close())
		do(t, ctx, "dead letter listed", chromedp.WaitVisible(chromedp.CSS(`#dead-letters li.letter`)))
		letter := eval[string](t, ctx, `document.querySelector("#dead-letters li.letter").textContent`)
		require.Contains(t, letter, "decode")
		require.Contains(t, letter, "decode RawArticle JSON")
		require.Contains(t, letter, "key desk:poison")
		require.Equal(t, "newsflow replay-dlq --kafka-brokers "+addr+" --topic news.raw", eval[string](t, ctx, `document.getElementById("replay-command").textContent`))
		screenshot(t, ctx, "up-dead-letters.png")
	})
}

const (
	harbourBody  = `The harbour of Genoa reopened on Monday after three days of storm damage repairs.\n\nMore than 2,000 ships waited outside the port during the closure.`
	harbourFirst = `{"source":"desk","source_id":"harbour-1","title":"Harbour reopens after the storm","published":"2024-05-06T08:00:00Z","body":"` + harbourBody + `"}`
	harbourCopy  = `{"source":"wire","source_id":"w-77","title":"Genoa harbour open again","published":"2024-05-06T09:00:00Z","body":"` + harbourBody + `"}`
)
