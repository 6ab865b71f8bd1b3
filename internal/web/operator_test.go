package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestDisabledOrganisationSignedOut: when the operator disables an
// organisation its staff are signed out of the UI, and signing in again
// answers 403 saying the service is disabled; enabled again, they can.
func TestDisabledOrganisationSignedOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock)
		ad := e.client()
		ad.login(e.fx.Admin.Email)
		op := service.New(service.Deps{DB: db, Clock: clock}).Operator
		if _, err := op.DisableOrganisation(context.Background(), e.fx.Org.ID); err != nil {
			t.Fatal(err)
		}
		if r := ad.get("/"); r.Status != http.StatusSeeOther {
			t.Errorf("staff of a disabled organisation still signed in: %d", r.Status)
		}
		r := ad.post("/login", url.Values{"email": {e.fx.Admin.Email}, "password": {testPassword}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("sign-in to a disabled organisation: %d", r.Status)
		}
		mustContain(t, "refusal", r.Body, "disabled")
		if _, err := op.EnableOrganisation(context.Background(), e.fx.Org.ID); err != nil {
			t.Fatal(err)
		}
		ad.login(e.fx.Admin.Email)
		if r := ad.get("/"); r.Status != http.StatusOK {
			t.Errorf("after enabling: %d", r.Status)
		}
	})
}
