package takeout

import (
	"context"
	"sort"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/store"
)

// mentionEntity is the identifier-index entity of each module's items.
var mentionEntity = map[gallra.Module]string{
	gallra.ModuleForum:  store.EntityForumPost,
	gallra.ModuleMail:   store.EntityMailMessage,
	gallra.ModuleChat:   store.EntityChatMessage,
	gallra.ModuleSocial: store.EntitySocialItem,
}

// indexedMentions finds the mentions of the request's e-mail address and
// the person's phone numbers with the identifier index: one lookup per
// identifier, whose cost is that of the items found, not of the items in
// scope. The caller has checked that the index is complete.
func indexedMentions(ctx context.Context, tx *store.Tx, r *gallra.SubjectRequest, ks mentionKeySet, sub *subject) ([]gallra.Mention, error) {
	q := store.IdentifierQuery{OrgID: r.OrgID, Hashes: map[string][]string{}, ChannelIDs: []int64{}, ExcludePerson: ks.PersonID, Limit: 4 * maxMentions}
	if r.EmailHash != "" {
		q.Hashes[pii.IdentEmail] = []string{r.EmailHash}
	}
	if len(ks.Phones) > 0 {
		q.Hashes[pii.IdentPhone] = ks.Phones
	}
	for _, m := range []gallra.Module{gallra.ModuleForum, gallra.ModuleMail, gallra.ModuleChat, gallra.ModuleSocial} {
		if len(sub.byModule[m]) > 0 {
			q.Entities = append(q.Entities, mentionEntity[m])
			q.ChannelIDs = append(q.ChannelIDs, sub.byModule[m]...)
		}
	}
	out := []gallra.Mention{}
	if len(q.Entities) == 0 {
		return out, nil
	}
	refs, err := tx.LookupIdentifiers(ctx, q)
	if err != nil {
		return nil, err
	}
	// A row holding both the address and a number is one mention, of the
	// address (refs come sorted by entity and id).
	for _, ref := range refs {
		match := "phone"
		if ref.Kind == pii.IdentEmail {
			match = "email"
		}
		if n := len(out); n > 0 && out[n-1].Type == ref.Entity && out[n-1].ID == ref.ID {
			if match == "email" {
				out[n-1].Match = match
			}
			continue
		}
		if len(out) == maxMentions {
			break
		}
		out = append(out, gallra.Mention{Type: ref.Entity, ID: ref.ID, ChannelID: ref.ChannelID, ParentID: ref.ParentID, Match: match})
	}
	rank := map[string]int{store.EntityForumPost: 0, store.EntityMailMessage: 1, store.EntityChatMessage: 2, store.EntitySocialItem: 3}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := rank[out[i].Type], rank[out[j].Type]; a != b {
			return a < b
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
