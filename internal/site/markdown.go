package site

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders staff-written Markdown to HTML with goldmark and
// sanitises the result with bluemonday's user-content policy: raw HTML in
// the source is dropped by goldmark (no unsafe mode) and whatever remains
// is filtered, so an article can never carry a script.
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdown() *markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	return &markdown{md: goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify)), policy: p}
}

// render returns src as safe HTML; unrenderable input yields nothing.
func (m *markdown) render(src string) template.HTML {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return ""
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes()))
}

// RenderMarkdown renders staff Markdown as the public site does (for the
// staff preview and tests).
func RenderMarkdown(src string) template.HTML { return newMarkdown().render(src) }
