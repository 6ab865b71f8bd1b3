package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/gallra/gallra"
)

// MaxSearchTerms bounds how many words of a query are searched for.
const MaxSearchTerms = 12

// SearchTerms splits a visitor's query into the words searched for: runs
// of letters and digits, lower-cased, at most MaxSearchTerms. Everything
// else (quotes, operators, markup, control characters) separates words, so
// no query can be read as full-text syntax by either engine.
func SearchTerms(q string) []string {
	var terms []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(terms) == MaxSearchTerms {
			break
		}
		terms = append(terms, strings.ToLower(w))
	}
	return terms
}

// diacritics folds letters as the PostgreSQL index's translate() does
// (migration 00035).
var diacritics = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "á", "a", "à", "a", "â", "a", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i", "ó", "o", "ò", "o", "ô", "o", "ú", "u", "ù", "u", "û", "u", "ü", "u", "ý", "y", "ñ", "n", "ç", "c", "æ", "a", "ø", "o")

func foldDiacritics(s string) string { return diacritics.Replace(s) }

// ftsQuery is the FTS5 query of terms: every term, each quoted as a string.
func ftsQuery(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + t + `"`
	}
	return strings.Join(q, " ")
}

// SearchSite finds an organisation's visible forum posts (in visible
// topics, not removed) and knowledge articles matching every term, best
// first: SQLite ranks with FTS5's bm25 over the unicode61 index (diacritics
// removed), PostgreSQL with ts_rank over the swedish configuration. At most
// limit hits of each kind. The indexes follow the text by triggers
// (SQLite) or generated columns (PostgreSQL), so anonymized, redacted,
// removed and purged text is never found.
func (db *DB) SearchSite(ctx context.Context, orgID int64, terms []string, limit int) ([]gallra.SiteHit, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	limit = clampLimit(limit, 20, 100)
	var articles, posts string
	var arg any
	if db.dialect == Postgres {
		arg = foldDiacritics(strings.Join(terms, " "))
		articles = `SELECT a.id, a.channel_id, 0, a.title, SUBSTR(a.body, 1, 240) FROM knowledge_articles a
			WHERE a.org_id = ? AND a.search_vec @@ plainto_tsquery('swedish', ?)
			ORDER BY ts_rank(a.search_vec, plainto_tsquery('swedish', ?)) DESC, a.id DESC LIMIT ?`
		posts = `SELECT p.id, p.channel_id, p.topic_id, t.title, SUBSTR(p.body, 1, 240) FROM forum_posts p JOIN forum_topics t ON t.id = p.topic_id
			WHERE p.org_id = ? AND p.search_vec @@ plainto_tsquery('swedish', ?) AND p.status = 'visible' AND p.removed = 0 AND t.status = 'visible'
			ORDER BY ts_rank(p.search_vec, plainto_tsquery('swedish', ?)) DESC, p.id DESC LIMIT ?`
	} else {
		arg = ftsQuery(terms)
		articles = `SELECT a.id, a.channel_id, 0, a.title, snippet(knowledge_articles_fts, 1, '', '', '…', 24) FROM knowledge_articles_fts f
			JOIN knowledge_articles a ON a.id = f.rowid
			WHERE knowledge_articles_fts MATCH ? AND a.org_id = ?
			ORDER BY bm25(knowledge_articles_fts), a.id DESC LIMIT ?`
		posts = `SELECT p.id, p.channel_id, p.topic_id, t.title, snippet(forum_posts_fts, 0, '', '', '…', 24) FROM forum_posts_fts f
			JOIN forum_posts p ON p.id = f.rowid JOIN forum_topics t ON t.id = p.topic_id
			WHERE forum_posts_fts MATCH ? AND p.org_id = ? AND p.status = 'visible' AND p.removed = 0 AND t.status = 'visible'
			ORDER BY bm25(forum_posts_fts), p.id DESC LIMIT ?`
	}
	args := []any{orgID, arg, arg, limit}
	if db.dialect != Postgres {
		args = []any{arg, orgID, limit}
	}
	var out []gallra.SiteHit
	err := db.View(ctx, func(tx *Tx) error {
		for _, k := range []struct{ typ, q string }{{"knowledge_article", articles}, {"forum_post", posts}} {
			rows, err := tx.query(ctx, k.q, args...)
			if err != nil {
				return fmt.Errorf("search %s: %w", k.typ, err)
			}
			for rows.Next() {
				h := gallra.SiteHit{Type: k.typ}
				if err := rows.Scan(&h.ID, &h.ChannelID, &h.TopicID, &h.Title, &h.Snippet); err != nil {
					rows.Close()
					return err
				}
				out = append(out, h)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
