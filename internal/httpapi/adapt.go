package httpapi

import (
	"context"
	"net/http"

	"github.com/gallra/gallra"
)

// The staff routes of the content modules mostly have one of three shapes:
// read one object by its {id}, list a page of a channel's objects, or send
// a JSON body about the object {id}. These adapters write each shape once:
// the route declaration names the service call, the adapter reads the path,
// the page and the body, and answers the result as JSON.

// byID answers the object fn returns for the caller and the path's {id}.
func byID[T any](fn func(ctx context.Context, staff *gallra.Staff, id int64) (T, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		v, err := fn(r.Context(), PrincipalFrom(r.Context()).Staff, id)
		if err != nil {
			return err
		}
		return WriteJSON(w, http.StatusOK, v)
	}
}

// pageByID answers a page (limit, before_id) of what fn lists for the
// caller and the path's {id}, as a List keyed by key.
func pageByID[T any](fn func(ctx context.Context, staff *gallra.Staff, id int64, p gallra.Page) ([]T, error), key func(T) int64) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		pg, err := QueryPage(r)
		if err != nil {
			return err
		}
		list, err := fn(r.Context(), PrincipalFrom(r.Context()).Staff, id, pg)
		if err != nil {
			return err
		}
		return writeList(w, newList(list, pg, key))
	}
}

// bodyByID decodes the JSON body and answers status with what fn returns
// for the caller, the path's {id} and the body.
func bodyByID[In, Out any](status int, fn func(ctx context.Context, staff *gallra.Staff, id int64, in In) (Out, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		var in In
		if err := DecodeJSON(r, &in); err != nil {
			return err
		}
		v, err := fn(r.Context(), PrincipalFrom(r.Context()).Staff, id, in)
		if err != nil {
			return err
		}
		return WriteJSON(w, status, v)
	}
}
