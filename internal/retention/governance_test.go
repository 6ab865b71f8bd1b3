package retention

import (
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// A change that keeps data longer ("never", or a longer period) is refused
// without a reason and nothing changes; with one it is saved, the reason
// kept and the audit entry marked weakened with the reason's id. A change
// that purges sooner needs no reason. The CLI (system) is not asked.
func TestWeakeningRetentionNeedsReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := storetest.MustFixture(t, db, "Kommunen")
		e := New(db, nil, Config{})
		forum := f.Channels[gallra.ModuleForum].ID
		oneYear := &gallra.Policy{Period: gallra.Period{N: 1, Unit: gallra.Years}, Action: gallra.ActionDelete}
		twoYears := &gallra.Policy{Period: gallra.Period{N: 2, Unit: gallra.Years}, Action: gallra.ActionDelete}
		never := &gallra.Policy{Period: gallra.Never(), Action: gallra.ActionAnonymize}
		steps := []struct {
			name     string
			def      bool // the module default instead of the channel
			p        *gallra.Policy
			reason   string
			wantErr  bool
			weakened bool
		}{
			{"shorter than the shipped 3 years: no reason needed", false, oneYear, "", false, false},
			{"longer without a reason", false, twoYears, "", true, false},
			{"longer with only spaces", false, twoYears, "   ", true, false},
			{"longer with a reason", false, twoYears, "Arkivlagen kräver två år", false, true},
			{"never without a reason", false, never, "", true, false},
			{"never with a reason", false, never, "Utredning pågår", false, true},
			{"back to a purge: no reason", false, oneYear, "", false, false},
			{"default never without a reason", true, never, "", true, false},
			{"default never with a reason", true, never, "Beslut i nämnden", false, true},
		}
		for _, s := range steps {
			var err error
			if s.def {
				_, err = e.ChangeDefault(ctx, f.Admin, gallra.ModuleForum, s.p, s.reason)
			} else {
				_, err = e.ChangeChannelPolicy(ctx, f.Admin, forum, s.p, s.reason)
			}
			if s.wantErr {
				if gallra.ErrorCode(err) != gallra.EUNPROCESS || gallra.ErrorDetails(err)["reason"] != gallra.ReasonRetentionWeakened {
					t.Fatalf("%s: got %v, want the reason refusal", s.name, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			action := "retention.policy_set"
			if s.def {
				action = "retention.default_set"
			}
			es, err := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: action, Limit: 1})
			if err != nil || len(es) != 1 {
				t.Fatalf("%s: audit %v %v", s.name, es, err)
			}
			d := es[0].Details
			if (d["weakened"] == true) != s.weakened {
				t.Errorf("%s: audit details %v, weakened want %v", s.name, d, s.weakened)
			}
			if s.weakened {
				rid, _ := d["reason_id"].(float64)
				got, err := db.GovernanceReasons(ctx, f.Org.ID, []int64{int64(rid)})
				if err != nil || got[int64(rid)] != s.reason {
					t.Errorf("%s: kept reason %q, want %q (%v)", s.name, got[int64(rid)], s.reason, err)
				}
			}
		}
		// A refused change changed nothing: the channel keeps one year.
		r, err := e.ChannelPolicy(ctx, f.Org.ID, forum)
		if err != nil || r.Policy != *oneYear {
			t.Errorf("channel policy after the steps: %+v %v", r, err)
		}
		// The operator's CLI is not asked for a reason, but the entry says so.
		if _, err := e.SetChannelPolicyAsSystem(ctx, f.Org.ID, forum, never); err != nil {
			t.Fatalf("system: %v", err)
		}
		es, _ := db.ListAudit(ctx, f.Org.ID, gallra.AuditFilter{Action: "retention.policy_set", Limit: 1})
		if len(es) != 1 || es[0].Details["weakened"] != true || es[0].Details["reason_id"] != nil {
			t.Errorf("system change audit: %+v", es)
		}
	})
}
