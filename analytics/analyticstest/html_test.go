package analyticstest_test

import (
	"strings"
	"testing"

	"github.com/rapportkit/rapport/analytics/analyticstest"
)

func TestInspectHTMLReport(t *testing.T) {
	good := `<!DOCTYPE html><html><head><meta charset="utf-8"><title>r</title><style>p{color:red}</style></head>
<body><figure id="chart-a"><svg xmlns="http://www.w3.org/2000/svg"><text>1</text></svg></figure><a href="#top">top</a><br></body></html>`
	figs, problems := analyticstest.InspectHTMLReport([]byte(good))
	if len(problems) != 0 || !figs["chart-a"] || len(figs) != 1 {
		t.Errorf("good page: figures %v, problems %v", figs, problems)
	}
	bad := map[string]string{
		"external script":  `<html><body><script src="https://cdn.example/x.js"></script></body></html>`,
		"inline script":    `<html><body><script>alert(1)</script></body></html>`,
		"stylesheet":       `<html><head><link rel="stylesheet" href="https://x/y.css"></head><body></body></html>`,
		"image":            `<html><body><img src="http://x/y.png"></body></html>`,
		"remote link":      `<html><body><a href="https://example.com">x</a></body></html>`,
		"css import":       `<html><head><style>@import url(https://x/y.css);</style></head><body></body></html>`,
		"unclosed element": `<html><body><div><p>x</p></body></html>`,
		"misnested":        `<html><body><b><i>x</b></i></body></html>`,
		"svg xlink":        `<html><body><svg><image xlink:href="https://x/y.png"/></svg></body></html>`,
		"event handler":    `<html><body onload="x()"></body></html>`,
	}
	for name, page := range bad {
		if _, problems := analyticstest.InspectHTMLReport([]byte(page)); len(problems) == 0 {
			t.Errorf("%s: no problem found in %s", name, page)
		} else if testing.Verbose() {
			t.Logf("%s: %s", name, strings.Join(problems, "; "))
		}
	}
}
