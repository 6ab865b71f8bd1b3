package takeout

import (
	"context"
	"embed"
	"html/template"
	"sort"
	"strings"

	"github.com/gallra/gallra"
)

//go:embed templates/index.html
var templateFS embed.FS

// indexTemplate is parsed once; html/template escapes every value, so text a
// person or anyone else typed cannot inject markup into the summary.
var indexTemplate = template.Must(template.ParseFS(templateFS, "templates/index.html"))

// countLabels names the count keys of exports and erasures, Swedish / English.
var countLabels = map[string][2]string{
	"custom_fields":                     {"Egna fält", "Custom fields"},
	"forum_posts":                       {"Foruminlägg och kommentarer", "Forum posts and comments"},
	"mail_conversations":                {"E-postkonversationer", "E-mail conversations"},
	"mail_messages":                     {"E-postmeddelanden", "E-mail messages"},
	"mail_messages_own":                 {"varav skrivna av dig", "of which written by you"},
	"mail_attachments":                  {"Bifogade filer", "Attachments"},
	"mail_messages_of_others":           {"varav från andra kunder (avsändaren ersatt)", "of which from other customers (sender replaced)"},
	"mail_attachments_withheld":         {"Andra kunders bifogade filer, undanhållna", "Other customers' attachments, withheld"},
	"chat_conversations":                {"Chattar", "Chats"},
	"chat_messages":                     {"Chattmeddelanden", "Chat messages"},
	"social_items":                      {"Inlägg i sociala medier", "Social media items"},
	"forum_posts_deleted":               {"Raderade foruminlägg", "Forum posts deleted"},
	"forum_posts_anonymized":            {"Avidentifierade foruminlägg", "Forum posts anonymized"},
	"forum_placeholders":                {"Foruminlägg ersatta med tom platshållare", "Forum posts replaced by an empty placeholder"},
	"forum_topics_deleted":              {"Raderade forumtrådar", "Forum topics deleted"},
	"mail_conversations_deleted":        {"Raderade e-postkonversationer", "E-mail conversations deleted"},
	"mail_messages_deleted":             {"Raderade e-postmeddelanden", "E-mail messages deleted"},
	"mail_attachments_deleted":          {"Raderade bifogade filer", "Attachments deleted"},
	"chat_conversations_deleted":        {"Raderade chattar", "Chats deleted"},
	"chat_messages_deleted":             {"Raderade chattmeddelanden", "Chat messages deleted"},
	"social_comments_of_others_removed": {"Andras svar som försvann med dina inlägg", "Others' replies removed with your items"},
	"social_comment_authors_deleted":    {"Personposter utan andra uppgifter som togs bort med svaren", "Person records with no other data removed with the replies"},
	"social_items_deleted":              {"Raderade inlägg i sociala medier (lokal kopia)", "Social media items deleted (local copy)"},
	"social_platform_deletions_queued":  {"Begärda raderingar på den sociala plattformen", "Deletions requested on the social platform"},
	"custom_fields_deleted":             {"Raderade egna fält", "Custom fields deleted"},
	"person_deleted":                    {"Personposten raderad", "Person record deleted"},
	"retained_legal_hold":               {"Kvar på grund av rättsligt bevarande", "Kept under a legal hold"},
}

// label returns the key's label in lang ("sv" or "en"), or the key itself.
func label(key, lang string) string {
	l, ok := countLabels[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

type countRow struct {
	Key, Label string
	N          int64
}

// countRows orders counts by key with both-language labels.
func countRows(counts map[string]int64, lang string) []countRow {
	out := []countRow{}
	for k, n := range counts {
		l := label(k, lang)
		if lang == "" {
			l = label(k, "sv") + " / " + label(k, "en")
		}
		out = append(out, countRow{Key: k, Label: l, N: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (x *exporter) writeHTML(ctx context.Context) error {
	w, err := x.create(ctx, "index.html")
	if err != nil {
		return err
	}
	o, err := x.tx.GetOrganisation(ctx, x.r.OrgID)
	if err != nil {
		return err
	}
	org := o.Name
	var person *dataPerson
	if p := x.sub.person; p != nil && x.r.PersonData {
		person = &dataPerson{ID: p.ID, Email: p.Email, Name: p.Name, CreatedAt: p.CreatedAt}
	}
	head := map[string]any{"RequestID": x.r.ID, "Organisation": org, "GeneratedAt": ts(x.b.now), "Person": person, "Counts": countRows(x.counts, "")}
	if err := indexTemplate.ExecuteTemplate(w, "head", head); err != nil {
		return err
	}
	if x.art15 != nil {
		if err := indexTemplate.ExecuteTemplate(w, "art15", art15View(x.art15, x.sub.channels)); err != nil {
			return err
		}
	}
	section := func(m gallra.Module, title string, body func() error) error {
		if !x.has(m) {
			return nil
		}
		if err := indexTemplate.ExecuteTemplate(w, "section", title); err != nil {
			return err
		}
		return body()
	}
	err = section(gallra.ModuleForum, "Forum", func() error {
		return x.eachForumPost(ctx, func(p *dataForumPost) error {
			if err := x.rowTick(ctx); err != nil {
				return err
			}
			return indexTemplate.ExecuteTemplate(w, "forum", p)
		})
	})
	if err == nil {
		err = section(gallra.ModuleMail, "E-post / E-mail", func() error {
			for _, id := range x.mailConvs {
				if err := x.rowTick(ctx); err != nil {
					return err
				}
				c, err := x.mailConversation(ctx, id)
				if err != nil {
					return err
				}
				if err := indexTemplate.ExecuteTemplate(w, "mail", c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = section(gallra.ModuleChat, "Chatt / Chat", func() error {
			for _, id := range x.chatConvs {
				if err := x.rowTick(ctx); err != nil {
					return err
				}
				c, err := x.chat(ctx, id)
				if err != nil {
					return err
				}
				if err := indexTemplate.ExecuteTemplate(w, "chat", c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = section(gallra.ModuleSocial, "Sociala medier / Social media", func() error {
			return x.eachSocial(ctx, func(s *dataSocial) error {
				if err := x.rowTick(ctx); err != nil {
					return err
				}
				return indexTemplate.ExecuteTemplate(w, "social", s)
			})
		})
	}
	if err != nil {
		return err
	}
	return indexTemplate.ExecuteTemplate(w, "foot", head)
}

// art15Row is one channel's Art. 15(1) information, in both languages.
type art15Row struct {
	Channel                    string
	PurposeSV, PurposeEN       string
	BasisSV, BasisEN           string
	CategoriesSV, CategoriesEN string
	RecipientsSV, RecipientsEN string
	RetentionSV, RetentionEN   string
	Sensitive                  string
}

// art15View prepares the information for index.html: the channels the
// export covers (all of the organisation's when it covers none in
// particular).
func art15View(a *gallra.Art15Info, chans []gallra.Channel) map[string]any {
	want := map[int64]bool{}
	for _, c := range chans {
		want[c.ID] = true
	}
	lab := func(k, lang string) string {
		if t, ok := a.Labels[k]; ok {
			return t.In(lang)
		}
		return k
	}
	join := func(keys []string, lang string) string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = lab(k, lang)
		}
		return strings.Join(out, ", ")
	}
	var rows []art15Row
	for _, p := range a.Processing {
		if len(want) > 0 && !want[p.ChannelID] {
			continue
		}
		rows = append(rows, art15Row{Channel: p.ChannelName + " (" + string(p.Module) + ")",
			PurposeSV: p.Purpose.SV, PurposeEN: p.Purpose.EN,
			BasisSV: lab("basis."+string(p.Basis), "sv"), BasisEN: lab("basis."+string(p.Basis), "en"),
			CategoriesSV: join(p.DataCategories, "sv"), CategoriesEN: join(p.DataCategories, "en"),
			RecipientsSV: p.Recipients.SV, RecipientsEN: p.Recipients.EN,
			RetentionSV: p.RetentionText.SV, RetentionEN: p.RetentionText.EN,
			Sensitive: strings.Join(p.SensitiveKinds, ", ")})
	}
	c := a.Controller
	return map[string]any{"A": a, "Rows": rows, "Controller": c, "Date": ts(a.GeneratedAt)}
}
