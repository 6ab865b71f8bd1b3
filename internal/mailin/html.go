package mailin

import (
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// bodyPolicy and strictPolicy are built once; a bluemonday policy is safe
// for concurrent use once built.
var (
	bodyPolicy   = policy()
	strictPolicy = bluemonday.StrictPolicy()
)

// policy is the HTML allowed in a stored mail body: text formatting, lists,
// tables, links (nofollow, noreferrer) and inline images referenced by cid:
// only. Scripts, styles, forms, iframes and remote images (tracking
// pixels) are removed; a remote <img> loses its source and so is dropped.
func policy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "b", "i", "u", "s", "strong", "em", "small", "sub", "sup",
		"ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "code", "hr",
		"h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
	p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("td", "th")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("src").Matching(regexp.MustCompile(`^cid:[^\s"'<>]+$`)).OnElements("img")
	p.AllowAttrs("alt", "width", "height").OnElements("img")
	return p
}

var imgNoSrcRE = regexp.MustCompile(`(?i)<img(\s+(alt|width|height)="[^"]*")*\s*/?>`)

// SanitizeHTML returns the HTML body made safe to show: see policy. Images
// left without a cid: source are removed whole.
func SanitizeHTML(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	out := bodyPolicy.Sanitize(s)
	out = imgNoSrcRE.ReplaceAllString(out, "")
	return strings.TrimSpace(out)
}

var blockEndRE = regexp.MustCompile(`(?i)<br\s*/?>|</(p|div|tr|li|h[1-6]|blockquote|pre|table)\s*>`)

// HTMLToText returns the text of an HTML body, one line per block, for a
// message that has no text/plain part.
func HTMLToText(s string) string {
	s = blockEndRE.ReplaceAllString(s, "$0\n")
	s = html.UnescapeString(strictPolicy.Sanitize(s))
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	return cleanText(strings.Join(lines, "\n"))
}
