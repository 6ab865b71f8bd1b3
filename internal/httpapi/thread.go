package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gallra/gallra"
)

// A thread read (a topic with a page of its posts, a conversation or chat
// with a page of its messages) is answered by writeThread, a paged list by
// writeList: the object's own fields, then the page's items encoded one at
// a time straight to the connection, then the cursor. Only one item is ever
// in the encoder's buffer, never the whole document, so a page costs its
// rows plus one encoded item; a thread page itself is bounded by
// gallra.MaxThreadPage and gallra.ThreadPageBytes, a list page by its limit
// (at most 200).

// threadParams are the query parameters of a thread read.
var threadParams = []Param{
	{Name: "limit", Type: "integer", Description: fmt.Sprintf("posts or messages per page, 1 to %d (default %d); a page also ends once its bodies reach %d bytes", gallra.MaxThreadPage, gallra.DefaultThreadPage, gallra.ThreadPageBytes)},
	{Name: "after_id", Type: "integer", Description: "return the posts or messages after this id, oldest first: the next_after_id of the previous page (null on the last page)"},
}

// threadWriteBuffer is the write buffer of a streamed thread: items reach the
// connection in chunks of this size.
const threadWriteBuffer = 32 << 10

// writeThread answers 200 with head (a JSON object: the thread without its
// items, which must be left out of it), items under the key name, and
// next_after_id. An error is returned only before anything is written.
func writeThread[I any](w http.ResponseWriter, head any, name string, items []I, next *int64) error {
	return streamItems(w, head, name, items, "next_after_id", next)
}

// writeList answers 200 with a List, its items streamed like a thread's.
func writeList[T any](w http.ResponseWriter, l List[T]) error {
	return streamItems(w, struct{}{}, "items", l.Items, "next_before_id", l.NextBeforeID)
}

// streamItems writes head with items under name and the cursor under
// cursorName, one item at a time.
func streamItems[I any](w http.ResponseWriter, head any, name string, items []I, cursorName string, next *int64) error {
	h, err := json.Marshal(head)
	if err != nil {
		return fmt.Errorf("encode thread: %w", err)
	}
	if len(h) < 2 || h[0] != '{' || h[len(h)-1] != '}' {
		return fmt.Errorf("encode thread: head is not a JSON object")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, threadWriteBuffer)
	_, _ = bw.Write(h[:len(h)-1])
	if len(h) > 2 {
		_ = bw.WriteByte(',')
	}
	_, _ = bw.WriteString(strconv.Quote(name) + ":[")
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(true)
	for i := range items {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		if err := enc.Encode(items[i]); err != nil {
			return nil // the status is sent; the client sees a cut document
		}
	}
	_, _ = bw.WriteString("]," + strconv.Quote(cursorName) + ":")
	if next == nil {
		_, _ = bw.WriteString("null")
	} else {
		_, _ = bw.WriteString(strconv.FormatInt(*next, 10))
	}
	_, _ = bw.WriteString("}\n")
	_ = bw.Flush()
	return nil
}

// threadByID answers the thread fn returns for the caller, the path's {id}
// and the page of its items the query asks for (limit, after_id); split
// separates the thread's head from its page of items and cursor.
func threadByID[T any, I any](fn func(ctx context.Context, staff *gallra.Staff, id int64, p gallra.ThreadPage) (T, error), name string, split func(T) (any, []I, *int64)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := PathID(r, "id")
		if err != nil {
			return err
		}
		pg, err := QueryThreadPage(r)
		if err != nil {
			return err
		}
		v, err := fn(r.Context(), PrincipalFrom(r.Context()).Staff, id, pg)
		if err != nil {
			return err
		}
		head, items, next := split(v)
		return writeThread(w, head, name, items, next)
	}
}

func splitTopic(t *gallra.ForumTopic) (any, []gallra.ForumPost, *int64) {
	head := *t
	head.Posts, head.NextAfterID = nil, nil
	return head, t.Posts, t.NextAfterID
}

func splitConversation(c *gallra.MailConversation) (any, []gallra.MailMessage, *int64) {
	head := *c
	head.Messages, head.NextAfterID = nil, nil
	return head, c.Messages, c.NextAfterID
}

func splitChat(c *gallra.ChatConversation) (any, []gallra.ChatMessage, *int64) {
	head := *c
	head.Messages, head.NextAfterID = nil, nil
	return head, c.Messages, c.NextAfterID
}
