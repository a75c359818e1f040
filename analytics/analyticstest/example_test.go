package analyticstest_test

import (
	"fmt"

	"github.com/rapportkit/rapport/analytics/analyticstest"
)

func ExampleInspectHTMLReport() {
	page := `<!DOCTYPE html><html><head><title>r</title></head><body>
<figure id="chart-followers"><svg xmlns="http://www.w3.org/2000/svg"></svg></figure>
<img src="https://cdn.example/logo.png">
</body></html>`
	figures, problems := analyticstest.InspectHTMLReport([]byte(page))
	fmt.Println(figures)
	for _, p := range problems {
		fmt.Println(p)
	}
	// Output:
	// map[chart-followers:true]
	// HTML has a <img> element; the report must be self-contained
	// <img src="https://cdn.example/logo.png"> refers outside the page
}
