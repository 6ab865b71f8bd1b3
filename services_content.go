package gallra

// ForumService reads and writes forum topics, posts and comments, for staff
// and for the public.
type ForumService interface{}

// MailService reads inboxes, ingests inbound mail and sends replies.
type MailService interface{}

// ChatService runs chats, for staff and for the public.
type ChatService interface{}

// SocialService mirrors items of a connected social-media account.
type SocialService interface{}

// KnowledgeService manages knowledge-base articles.
type KnowledgeService interface{}

// CustomFieldService reads and sets organisation-defined fields on persons
// and conversations.
type CustomFieldService interface{}

// SearchService searches a channel's content.
type SearchService interface{}

// HoldService places, releases and lists legal holds.
type HoldService interface{}
