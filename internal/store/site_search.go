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
// removed and purged text is never found. The snippet is the text's
// beginning: FTS5's snippet() would be computed for every match before
// the sort, which made a search over a million posts four times slower.
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
		// The topic is read per matching post by its key in scalar
		// subqueries: a join made the planner hash every topic of the
		// installation on each search.
		posts = `SELECT p.id, p.channel_id, p.topic_id, (SELECT title FROM forum_topics WHERE id = p.topic_id), SUBSTR(p.body, 1, 240) FROM forum_posts p
			WHERE p.org_id = ? AND p.search_vec @@ plainto_tsquery('swedish', ?) AND p.status = 'visible' AND p.removed = 0 AND (SELECT status FROM forum_topics WHERE id = p.topic_id) = 'visible'
			ORDER BY ts_rank(p.search_vec, plainto_tsquery('swedish', ?)) DESC, p.id DESC LIMIT ?`
	} else {
		arg = ftsQuery(terms)
		articles = `SELECT a.id, a.channel_id, 0, a.title, SUBSTR(a.body, 1, 240) FROM knowledge_articles_fts f
			JOIN knowledge_articles a ON a.id = f.rowid
			WHERE knowledge_articles_fts MATCH ? AND a.org_id = ?
			ORDER BY bm25(knowledge_articles_fts), a.id DESC LIMIT ?`
		posts = `SELECT p.id, p.channel_id, p.topic_id, t.title, SUBSTR(p.body, 1, 240) FROM forum_posts_fts f
			JOIN forum_posts p ON p.id = f.rowid JOIN forum_topics t ON t.id = p.topic_id
			WHERE forum_posts_fts MATCH ? AND p.org_id = ? AND p.status = 'visible' AND p.removed = 0 AND t.status = 'visible'
			ORDER BY bm25(forum_posts_fts), p.id DESC LIMIT ?`
	}
	args := []any{orgID, arg, arg, limit}
	if db.dialect != Postgres {
		args = []any{arg, orgID, limit}
	}
	type step struct {
		typ, q string
		args   []any
		// fallback runs when the windowed query found fewer than limit.
		fallback string
	}
	steps := []step{{typ: "knowledge_article", q: articles, args: args}, {typ: "forum_post", q: posts, args: args}}
	if db.dialect != Postgres {
		// Rank in the index alone first and join only the best
		// searchWindow matches: a common word in a big forum matches
		// thousands of posts, and joining each to its row and topic to
		// filter them costs more than ranking. When the window holds
		// fewer than limit of this organisation's visible posts, the
		// full query runs.
		windowed := `SELECT p.id, p.channel_id, p.topic_id, t.title, SUBSTR(p.body, 1, 240) FROM
			(SELECT rowid AS id, rank AS score FROM forum_posts_fts WHERE forum_posts_fts MATCH ? ORDER BY rank LIMIT ?) m
			JOIN forum_posts p ON p.id = m.id JOIN forum_topics t ON t.id = p.topic_id
			WHERE p.org_id = ? AND p.status = 'visible' AND p.removed = 0 AND t.status = 'visible'
			ORDER BY m.score, p.id DESC LIMIT ?`
		steps[1] = step{typ: "forum_post", q: windowed, args: []any{arg, searchWindow, orgID, limit}, fallback: posts}
	}
	var out []gallra.SiteHit
	err := db.View(ctx, func(tx *Tx) error {
		for _, k := range steps {
			hits, err := tx.searchHits(ctx, k.typ, k.q, k.args)
			if err != nil {
				return err
			}
			if k.fallback != "" && len(hits) < limit {
				if hits, err = tx.searchHits(ctx, k.typ, k.fallback, args); err != nil {
					return err
				}
			}
			out = append(out, hits...)
		}
		return nil
	})
	return out, err
}

// searchWindow is how many best-ranked matches SQLite's search joins
// before it falls back to joining them all.
const searchWindow = 500

func (tx *Tx) searchHits(ctx context.Context, typ, q string, args []any) ([]gallra.SiteHit, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search %s: %w", typ, err)
	}
	defer rows.Close()
	var out []gallra.SiteHit
	for rows.Next() {
		h := gallra.SiteHit{Type: typ}
		if err := rows.Scan(&h.ID, &h.ChannelID, &h.TopicID, &h.Title, &h.Snippet); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search %s: %w", typ, err)
	}
	return out, nil
}

// OptimizeSearch merges the SQLite full-text indexes' segments into one
// (FTS5 'optimize'), as after a bulk load, so that a query reads one
// b-tree per term instead of one per segment; PostgreSQL's GIN indexes
// need nothing (a no-op).
func (db *DB) OptimizeSearch(ctx context.Context) error {
	if db.dialect == Postgres {
		return nil
	}
	_, err := db.write.ExecContext(ctx, `INSERT INTO forum_posts_fts(forum_posts_fts) VALUES ('optimize')`)
	if err == nil {
		_, err = db.write.ExecContext(ctx, `INSERT INTO knowledge_articles_fts(knowledge_articles_fts) VALUES ('optimize')`)
	}
	if err != nil {
		return fmt.Errorf("optimize search index: %w", err)
	}
	return nil
}
