// Command bluesky shows a Bluesky account at a glance: who it is, how many
// followers it has and who mentioned it lately; with -reply it answers the
// newest mention.
//
// Usage:
//
//	export BLUESKY_PDS=https://bsky.social
//	export BLUESKY_HANDLE=alice.bsky.social
//	export BLUESKY_APP_PASSWORD=xxxx-xxxx-xxxx-xxxx
//	go run ./examples/bluesky [-n 5] [-session session.json] [-reply "Thanks!"]
//
// Use an app password (Settings → Privacy and security → App passwords),
// never the account's main password. With -session the login is saved in
// that file and reused by the next run: Bluesky allows only 30 new sessions
// per 5 minutes and 300 per day.
//
// Replying is safe to repeat: the reply's idempotency key is derived from
// the mention and the text, so running the same command twice publishes
// one reply.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/bluesky"
)

// config is what one run needs.
type config struct {
	PDS, Handle, Password string
	// Mentions is how many of the latest mentions to show.
	Mentions int
	// Reply, when set, is published as a reply to the newest mention.
	Reply string
	// SessionFile, when set, keeps the session between runs.
	SessionFile string
}

func main() {
	cfg := config{
		PDS:      os.Getenv("BLUESKY_PDS"),
		Handle:   os.Getenv("BLUESKY_HANDLE"),
		Password: os.Getenv("BLUESKY_APP_PASSWORD"),
	}
	flag.IntVar(&cfg.Mentions, "n", 5, "how many of the latest mentions to show")
	flag.StringVar(&cfg.Reply, "reply", "", "reply to the newest mention with this text")
	flag.StringVar(&cfg.SessionFile, "session", "", "file that keeps the login session between runs")
	flag.Parse()
	if cfg.PDS == "" {
		cfg.PDS = "https://bsky.social"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bluesky:", err)
		os.Exit(1)
	}
}

// run does the work of one invocation, writing its report to w. opts are
// passed on to bluesky.New after the ones cfg implies.
func run(ctx context.Context, w io.Writer, cfg config, opts ...bluesky.Option) error {
	if cfg.Handle == "" || cfg.Password == "" {
		return errors.New("set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (and BLUESKY_PDS unless it is https://bsky.social)")
	}
	if cfg.Mentions <= 0 {
		cfg.Mentions = 5
	}
	all := []bluesky.Option{bluesky.WithAppPassword(cfg.Handle, cfg.Password)}
	if cfg.SessionFile != "" {
		all = append(all, bluesky.WithTokenStore(&fileStore{path: cfg.SessionFile}, "bluesky:"+cfg.Handle))
	}
	client, err := bluesky.New(cfg.PDS, append(all, opts...)...)
	if err != nil {
		return err
	}

	me, err := client.Self(ctx)
	if err != nil {
		return fmt.Errorf("reading the account: %w", err)
	}
	name := me.DisplayName
	if name == "" {
		name = "no display name"
	}
	fmt.Fprintf(w, "account: @%s (%s)\n", me.Handle, name)
	fmt.Fprintf(w, "followers: %s\n", me.Followers)

	var mentions []providers.Interaction
	opts2 := providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Mention}, Limit: cfg.Mentions}
	for it, err := range providers.Interactions(ctx, client, opts2) {
		if err != nil {
			return fmt.Errorf("reading mentions: %w", err)
		}
		mentions = append(mentions, it)
	}
	if len(mentions) == 0 {
		fmt.Fprintln(w, "no mentions")
	} else {
		fmt.Fprintf(w, "latest mentions (oldest first):\n")
		for _, m := range mentions {
			text := strings.Join(strings.Fields(m.Post.Text), " ")
			fmt.Fprintf(w, "  %s @%s: %s\n", m.OccurredAt.UTC().Format("2006-01-02 15:04Z"), m.Author.Handle, text)
		}
	}

	if cfg.Reply == "" {
		return nil
	}
	if len(mentions) == 0 {
		return errors.New("-reply: there is no mention to reply to")
	}
	newest := mentions[len(mentions)-1]
	key := sha256.Sum256([]byte(newest.ID + "\x00" + cfg.Reply))
	reply, err := providers.Publish(ctx, client, providers.Draft{
		Text:           cfg.Reply,
		ReplyTo:        newest.Post.Ref,
		IdempotencyKey: hex.EncodeToString(key[:16]),
	})
	if err != nil {
		return fmt.Errorf("replying to @%s: %w", newest.Author.Handle, err)
	}
	where := reply.URL
	if where == "" {
		where = reply.ID
	}
	fmt.Fprintf(w, "replied to @%s: %s\n", newest.Author.Handle, where)
	return nil
}

// fileStore is a providers.TokenStore keeping tokens in a JSON file
// readable by its owner only.
type fileStore struct {
	path string
	mu   sync.Mutex
}

func (s *fileStore) read() (map[string]providers.Token, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]providers.Token{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]providers.Token{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("session file %s: %w", s.path, err)
	}
	return m, nil
}

// LoadToken implements providers.TokenStore.
func (s *fileStore) LoadToken(_ context.Context, key string) (providers.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return providers.Token{}, err
	}
	t, ok := m[key]
	if !ok {
		return providers.Token{}, fmt.Errorf("session %q: %w", key, providers.ErrNotFound)
	}
	return t, nil
}

// SaveToken implements providers.TokenStore.
func (s *fileStore) SaveToken(_ context.Context, key string, t providers.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return err
	}
	m[key] = t
	return s.write(m)
}

// DeleteToken implements providers.TokenStore.
func (s *fileStore) DeleteToken(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.read()
	if err != nil {
		return err
	}
	delete(m, key)
	return s.write(m)
}

// write replaces the file atomically.
func (s *fileStore) write(m map[string]providers.Token) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".session-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}
