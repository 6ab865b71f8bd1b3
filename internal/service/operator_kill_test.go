package service_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Environment of the child process TestOrgDeletionSurvivesKill starts, and
// the line it prints when its first deletion batch has begun.
const (
	envOrgKillURL   = "GALLRA_TEST_ORGKILL_URL"
	envOrgKillOrg   = "GALLRA_TEST_ORGKILL_ORG"
	orgKillBegun    = "gallra-orgkill-child: first batch begun"
	orgKillAttempts = 6
)

// TestOrgDeletionSurvivesKill deletes an organisation in a process killed
// (SIGKILL) at random points, again and again, and then finishes the
// deletion: nothing of the organisation is left, the other organisation is
// unchanged, and the operator audit records the deletion once, with counts
// exactly equal to the rows the organisation had (each batch's counts are
// committed with its deletions, so a kill loses none and counts none twice).
func TestOrgDeletionSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) { orgDeletionSurvivesKill(t, d) })
	}
}

func orgDeletionSurvivesKill(t *testing.T, d store.Dialect) {
	ctx := context.Background()
	u := storetest.URL(t, d)
	clock := storetest.NewClock(storetest.Start())
	db, err := store.Open(ctx, u, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	artefacts := t.TempDir()
	doomed := storetest.MustFixture(t, db, "Doomed")
	kept := storetest.MustFixture(t, db, "Kept")
	populate(t, db, doomed, artefacts, true)
	populate(t, db, kept, artefacts, false)
	before, err := db.OrgRowCounts(ctx, doomed.Org.ID)
	if err != nil {
		t.Fatal(err)
	}
	keptBefore, _ := db.OrgRowCounts(ctx, kept.Org.ID)
	op := service.New(service.Deps{DB: db, Clock: clock}).Operator
	if _, err := op.DisableOrganisation(ctx, doomed.Org.ID); err != nil {
		t.Fatal(err)
	}
	var progress []string
	killed, midway := 0, 0
	for a := 0; a < orgKillAttempts; a++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledOrgDeletionChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envOrgKillURL+"="+u, envOrgKillOrg+"="+strconv.FormatInt(doomed.Org.ID, 10))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		begun := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(out)
			once := false
			for sc.Scan() {
				if !once && strings.HasPrefix(sc.Text(), orgKillBegun) {
					once = true
					close(begun)
				}
			}
			if !once {
				close(begun)
			}
		}()
		select {
		case <-begun:
		case <-time.After(time.Minute):
			t.Error("the child did not begin a batch within a minute")
		}
		time.Sleep(time.Duration(rand.IntN(120)) * time.Millisecond)
		if err := cmd.Process.Kill(); err == nil {
			killed++
		}
		cmd.Wait()
		left, err := db.OrgRowCounts(ctx, doomed.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, c := range left {
			n += c
		}
		progress = append(progress, strconv.FormatInt(n, 10))
		if n > 0 {
			midway++
		}
	}
	t.Logf("rows of the organisation left after each kill: %v", progress)
	if killed == 0 || midway == 0 {
		t.Fatalf("no kill landed in the middle of the deletion (killed %d)", killed)
	}
	// The last child may have finished the deletion before its kill
	// landed; then there is nothing to resume.
	finishedByChild := progress[len(progress)-1] == "0"
	if n, err := op.ResumeDeletions(ctx); err != nil || (n != 1 && !(finishedByChild && n == 0)) {
		t.Fatalf("resume: %d %v", n, err)
	}
	if left, err := db.OrgRowCounts(ctx, doomed.Org.ID); err != nil || len(left) != 0 {
		t.Fatalf("rows left: %v %v", left, err)
	}
	keptAfter, _ := db.OrgRowCounts(ctx, kept.Org.ID)
	if !equalCounts(keptBefore, keptAfter) {
		t.Errorf("other organisation changed:\nbefore %v\nafter  %v", keptBefore, keptAfter)
	}
	entries, err := op.OperatorAudit(ctx, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var deleted []gallra.OperatorAuditEntry
	for _, e := range entries {
		if e.OrgID == doomed.Org.ID && e.Action == "organisation.deleted" {
			deleted = append(deleted, e)
		}
	}
	if len(deleted) != 1 {
		t.Fatalf("%d organisation.deleted entries", len(deleted))
	}
	for table, n := range before {
		// The disabling ended the sessions and wrote audit entries.
		if table == "web_sessions" || table == "audit_log" {
			continue
		}
		if got := deleted[0].Details[table]; got != float64(n) {
			t.Errorf("%s: recorded %v deleted, organisation had %d", table, got, n)
		}
	}
}

// TestKilledOrgDeletionChild is the process TestOrgDeletionSurvivesKill
// kills: a slow deletion (3 rows a batch, a pause inside each batch's
// transaction) of the organisation it names.
func TestKilledOrgDeletionChild(t *testing.T) {
	u := os.Getenv(envOrgKillURL)
	if u == "" {
		t.Skip("started by TestOrgDeletionSurvivesKill")
	}
	ctx := context.Background()
	id, err := strconv.ParseInt(os.Getenv(envOrgKillOrg), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, u, storetest.NewClock(storetest.Start()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first := true
	op := service.New(service.Deps{DB: db, Operator: service.OperatorConfig{BatchSize: 3, TxHook: func(string) error {
		if first {
			first = false
			fmt.Println(orgKillBegun)
		}
		time.Sleep(3 * time.Millisecond)
		return nil
	}}}).Operator
	if _, err := op.DeleteOrganisation(ctx, id, gallra.OrganisationDeletion{Confirm: strconv.FormatInt(id, 10), OverrideHolds: true, Wait: true}); err != nil {
		t.Fatal(err)
	}
}
