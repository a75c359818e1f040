package mastodon

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// plain is the result of converting a status's HTML content to text.
type plain struct {
	Text string
	// Links are the href of every anchor that is neither a mention nor a
	// hashtag, in order, without duplicates.
	Links []string
}

// HTMLToText converts the HTML that Mastodon-compatible servers put in a
// status's content (and an account's note) to the plain text its author
// wrote:
//
//   - mentions (<span class="h-card"><a class="u-url mention">@<span>bob</span></a></span>)
//     become "@bob", hashtags "#tag";
//   - links become their text; the "invisible" and "ellipsis" spans Mastodon
//     uses to shorten long URLs are joined back into the full URL;
//   - <br> becomes a line break and paragraphs are separated by an empty
//     line, as Mastodon renders "\n\n" in the source;
//   - list items start a new line with "- " (or "1. " in ordered lists);
//   - entities (&lt;3, &amp;, &#39;) are decoded;
//   - the "RE: <link>" fallback Mastodon adds to quote posts for older
//     clients (class "quote-inline") is left out, as are scripts and styles;
//   - custom emoji rendered as images become their alt text (":blobcat:").
//
// Leading and trailing white space is removed.
func HTMLToText(content string) string {
	return htmlToPlain(content).Text
}

// htmlToPlain converts content and collects the links it contains.
func htmlToPlain(content string) plain {
	if !strings.ContainsAny(content, "<&") {
		return plain{Text: strings.TrimSpace(content)}
	}
	c := converter{}
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF, or malformed input: what was read so far is the text.
			return plain{Text: strings.TrimSpace(c.b.String()), Links: c.links}
		case html.TextToken:
			c.text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			c.start(tok, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			tok := z.Token()
			c.end(tok.Data)
		}
	}
}

// breaks the converter can be asked to place before the next text.
const (
	noBreak   = 0
	lineBreak = 1
	paraBreak = 2
)

type anchor struct {
	href  string
	class string
}

type listState struct {
	ordered bool
	n       int
}

type converter struct {
	b       strings.Builder
	pending int // noBreak, lineBreak or paraBreak before the next text
	prefix  string
	skip    []string // names of elements whose content is being skipped
	pre     int
	anchors []anchor
	lists   []listState
	links   []string
}

func attr(t html.Token, name string) string {
	for _, a := range t.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasClass(classes, name string) bool {
	for _, c := range strings.Fields(classes) {
		if c == name {
			return true
		}
	}
	return false
}

var voidElements = map[string]bool{
	"br": true, "img": true, "hr": true, "wbr": true, "input": true, "meta": true, "link": true,
	"area": true, "base": true, "col": true, "embed": true, "source": true, "track": true,
}

var blockElements = map[string]bool{
	"p": true, "div": true, "blockquote": true, "pre": true, "ul": true, "ol": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"table": true, "section": true, "article": true, "header": true, "footer": true,
	"figure": true, "hr": true,
}

func (c *converter) want(level int) {
	if c.b.Len() > 0 && level > c.pending {
		c.pending = level
	}
}

func (c *converter) start(t html.Token, selfClosing bool) {
	name := t.Data
	if len(c.skip) > 0 {
		if !voidElements[name] && !selfClosing {
			c.skip = append(c.skip, name)
		}
		return
	}
	class := attr(t, "class")
	if name == "script" || name == "style" || name == "template" || hasClass(class, "quote-inline") {
		if !voidElements[name] && !selfClosing {
			c.skip = append(c.skip, name)
		}
		return
	}
	switch {
	case name == "br":
		c.flushBreak()
		c.b.WriteByte('\n')
	case name == "img":
		if alt := attr(t, "alt"); alt != "" {
			c.text(alt)
		}
	case name == "a":
		if !selfClosing {
			c.anchors = append(c.anchors, anchor{href: attr(t, "href"), class: class})
		}
	case name == "li":
		c.want(lineBreak)
		if n := len(c.lists); n > 0 {
			l := &c.lists[n-1]
			l.n++
			if l.ordered {
				c.prefix = strconv.Itoa(l.n) + ". "
			} else {
				c.prefix = "- "
			}
		}
	case blockElements[name]:
		if len(c.lists) > 0 && (name == "ul" || name == "ol") {
			c.want(lineBreak) // a nested list
		} else {
			c.want(paraBreak)
		}
		switch name {
		case "pre":
			c.pre++
		case "ul", "ol":
			c.lists = append(c.lists, listState{ordered: name == "ol"})
		}
	}
}

func (c *converter) end(name string) {
	if n := len(c.skip); n > 0 {
		if c.skip[n-1] == name {
			c.skip = c.skip[:n-1]
		}
		return
	}
	switch {
	case name == "a":
		if n := len(c.anchors); n > 0 {
			a := c.anchors[n-1]
			c.anchors = c.anchors[:n-1]
			if a.href != "" && !hasClass(a.class, "mention") && !hasClass(a.class, "hashtag") && !hasClass(a.class, "u-url") {
				c.addLink(a.href)
			}
		}
	case name == "li":
		c.want(lineBreak)
	case blockElements[name]:
		switch name {
		case "pre":
			if c.pre > 0 {
				c.pre--
			}
		case "ul", "ol":
			if n := len(c.lists); n > 0 {
				c.lists = c.lists[:n-1]
			}
		}
		if len(c.lists) > 0 {
			c.want(lineBreak)
		} else {
			c.want(paraBreak)
		}
	}
}

func (c *converter) addLink(href string) {
	for _, l := range c.links {
		if l == href {
			return
		}
	}
	c.links = append(c.links, href)
}

// flushBreak writes the pending break, counting newlines already written.
func (c *converter) flushBreak() {
	if c.pending == noBreak {
		return
	}
	s := c.b.String()
	have := len(s) - len(strings.TrimRight(s, "\n"))
	for i := have; i < c.pending; i++ {
		c.b.WriteByte('\n')
	}
	c.pending = noBreak
}

// sourceSpace turns the line breaks and tabs of HTML source into spaces.
var sourceSpace = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

func (c *converter) text(s string) {
	if len(c.skip) > 0 || s == "" {
		return
	}
	if c.pre == 0 {
		// Newlines in HTML source are white space, not line breaks.
		s = sourceSpace.Replace(s)
		if c.b.Len() == 0 || c.pending != noBreak || c.prefix != "" || strings.HasSuffix(c.b.String(), "\n") {
			s = strings.TrimLeft(s, " ")
			if s == "" {
				return
			}
		}
	}
	c.flushBreak()
	if c.prefix != "" {
		c.b.WriteString(c.prefix)
		c.prefix = ""
	}
	c.b.WriteString(s)
}
