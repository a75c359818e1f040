package analyticstest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// CheckHTMLReport checks an HTML report written by analytics.Report.WriteHTML:
// it must be well formed (every element closed in order, parsed by
// golang.org/x/net/html) and self-contained (no scripts, stylesheets,
// images, frames or other elements that load anything, no src or href
// outside the page, no event handlers, no @import or remote url() in CSS).
// It fails the test otherwise and returns the ids of the <figure> elements
// that contain an <svg> chart.
func CheckHTMLReport(t testing.TB, page []byte) map[string]bool {
	t.Helper()
	figures, problems := InspectHTMLReport(page)
	for _, p := range problems {
		t.Error(p)
	}
	return figures
}

// InspectHTMLReport does the checks of CheckHTMLReport and returns the
// figure ids and the problems found (none for a good report).
func InspectHTMLReport(page []byte) (figures map[string]bool, problems []string) {
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	z := html.NewTokenizer(bytes.NewReader(page))
	var stack []string
	void := map[string]bool{"meta": true, "br": true, "img": true, "link": true, "input": true, "hr": true, "area": true, "base": true, "col": true, "embed": true, "source": true, "track": true, "wbr": true}
tokens:
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				fail("HTML tokenizer: %v", z.Err())
			}
			break
		}
		name, _ := z.TagName()
		switch tt {
		case html.StartTagToken:
			if !void[string(name)] {
				stack = append(stack, string(name))
			}
		case html.EndTagToken:
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				fail("HTML not well formed: </%s> closes %v", name, stack)
				break tokens
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 && len(problems) == 0 {
		fail("HTML not well formed: unclosed elements %v", stack)
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		fail("HTML does not parse: %v", err)
		return nil, problems
	}
	figures = map[string]bool{}
	var walk func(n *html.Node, figure string)
	walk = func(n *html.Node, figure string) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "link", "iframe", "object", "embed", "img", "audio", "video", "source":
				fail("HTML has a <%s> element; the report must be self-contained", n.Data)
			case "figure":
				for _, a := range n.Attr {
					if a.Key == "id" {
						figure = a.Val
					}
				}
			case "svg":
				if figure != "" {
					figures[figure] = true
				}
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if (k == "src" || k == "href" || strings.HasSuffix(k, ":href") || k == "action" || k == "srcset") && !strings.HasPrefix(v, "#") {
					fail("<%s %s=%q> refers outside the page", n.Data, a.Key, a.Val)
				}
				if strings.HasPrefix(k, "on") {
					fail("<%s> has an event handler %s", n.Data, a.Key)
				}
				if k == "style" && strings.Contains(v, "url(") {
					fail("<%s> style loads %q", n.Data, a.Val)
				}
			}
			if n.Data == "style" && n.FirstChild != nil {
				css := strings.ToLower(n.FirstChild.Data)
				if strings.Contains(css, "@import") || strings.Contains(css, "url(") {
					fail("inline CSS loads something from outside the page")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, figure)
		}
	}
	walk(doc, "")
	return figures, problems
}
