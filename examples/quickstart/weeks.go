package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
)

// repliesPerHour is how many conversations one staff member answers in an
// hour.
const repliesPerHour = 4

// runWeeks runs the simulated weeks one hour at a time.
func (q *quickstart) runWeeks(ctx context.Context) error {
	q.printf("4. Running %d weeks, one simulated hour at a time, in this process: publishing (campaign.Publisher.RunDue)\n", q.cfg.Weeks)
	q.printf("   and the inbox (engage.Inbox Sync and CheckSLAs every hour, ListenAll every three hours); in production\n")
	q.printf("   the worker package runs the same operations as jobs.\n")
	q.printf("   Staff: Rosa Mon–Fri 08:00–16:00 and a look on Sunday 10:00–12:00; Tariq Tue–Sat 10:00–18:00, off sick %s.\n",
		q.sickDay().Format("Mon 2 Jan"))
	q.printf("   First-response SLAs in shop hours (Mon–Sat 08:00–18:00): urgent 1h, high 2h, normal 4h, low 8h, listening 8h.\n")
	q.printf("   %s\n", row(weekCols, "week", "dates", "posts", "new conv.", "answered", "median reply", "SLA warned", "SLA late", "followers", "redeemed"))
	followers, err := q.followers(ctx)
	if err != nil {
		return err
	}
	if err := q.collect(ctx); err != nil {
		return err
	}
	for week := range q.cfg.Weeks {
		from, to := q.sched.start.AddDate(0, 0, 7*week), q.sched.start.AddDate(0, 0, 7*(week+1))
		q.t.weekPosts, q.t.weekWarn, q.t.weekBr = 0, 0, 0
		for t := from; t.Before(to); t = t.Add(time.Hour) {
			if err := q.hour(ctx, t); err != nil {
				return fmt.Errorf("%s: %w", t.In(q.loc).Format("Mon 2 Jan 15:04"), err)
			}
		}
		q.clock.Set(to)
		now, err := q.followers(ctx)
		if err != nil {
			return err
		}
		line, err := q.weekLine(ctx, week, from, to, followers, now)
		if err != nil {
			return err
		}
		q.printf("%s\n", line)
		followers = now
		if err := q.observeGoals(ctx, to); err != nil {
			return err
		}
	}
	q.printf("\n")
	return nil
}

// hour is one simulated hour starting at t.
func (q *quickstart) hour(ctx context.Context, t time.Time) error {
	q.clock.Set(t)
	local := t.In(q.loc)
	if err := q.publishDue(ctx); err != nil {
		return err
	}
	for _, s := range q.sites {
		if err := s.sim.Step(ctx); err != nil {
			return fmt.Errorf("%s audience: %w", s.platform, err)
		}
	}
	if local.Hour() == 11 || local.Hour() == 20 {
		if err := q.listenersPost(ctx); err != nil {
			return err
		}
	}
	if _, err := q.inbox.SyncAll(ctx); err != nil {
		return err
	}
	if local.Hour()%3 == 2 { // listening every three hours
		lr, err := q.inbox.ListenAll(ctx)
		if err != nil {
			return err
		}
		for _, r := range lr {
			q.t.listeningFound += r.Conversations
		}
	}
	sla, err := q.inbox.CheckSLAs(ctx)
	if err != nil {
		return err
	}
	q.t.slaWarnings += sla.Warned
	q.t.slaBreaches += sla.Breached
	q.t.escalated += sla.Escalated
	q.t.weekWarn += sla.Warned
	q.t.weekBr += sla.Breached
	if err := q.staffWork(ctx, t); err != nil {
		return err
	}
	if local.Hour() == 9 {
		if err := q.checkpoints(ctx); err != nil {
			return err
		}
	}
	if local.Hour() == 15 {
		if err := q.redemptions(ctx); err != nil {
			return err
		}
	}
	if local.Hour() == 23 {
		if err := q.collect(ctx); err != nil {
			return err
		}
	}
	// Posts due later in the hour go out at their minute.
	for {
		next, ok, err := q.pub.NextDue(ctx)
		if err != nil {
			return err
		}
		if !ok || !next.Before(t.Add(time.Hour)) {
			return nil
		}
		if next.After(q.clock.Now()) {
			q.clock.Set(next)
		}
		if err := q.publishDue(ctx); err != nil {
			return err
		}
	}
}

// publishDue publishes what is due now and records it.
func (q *quickstart) publishDue(ctx context.Context) error {
	rep, err := q.pub.RunDue(ctx)
	if err != nil {
		return err
	}
	for _, e := range rep.Entries {
		switch e.State {
		case campaign.OutboxUnknown:
			q.t.lostResponses++
		case campaign.OutboxPublished:
			q.t.published++
			q.t.weekPosts++
			kind := analytics.ActionPost
			if campaign.InferKind(e.Draft.Text) == campaign.Ask {
				kind = analytics.ActionPromotion
			}
			q.actions = append(q.actions, analytics.Action{Platform: e.Platform, Kind: kind, At: e.PublishedAt})
			if it, ok := q.plan.Item(e.ItemID); ok && it.OfferID != "" {
				q.site(e.Platform).offerPosts[e.Post.ID] = true
			}
		case campaign.OutboxFailed:
			return fmt.Errorf("post %s failed: %s", e.ID, e.LastError)
		}
	}
	return nil
}

// listenerTexts are what people who do not follow the bakery post: about
// the bakery by name, and about sourdough.
var listenerTexts = []string{
	"Has anyone tried the cardamom knots at Juniper Street? Worth the queue?",
	"Walked past Juniper Street Bakery this morning and the smell! Do they do gluten-free?",
	"My #sourdough starter smells like nail polish remover. Is it dead?",
	"Third flat #sourdough loaf in a row. What am I doing wrong?",
	"Looking for a birthday cake in Bristol. Is Juniper Street any good for those?",
	"How do you get big holes in #sourdough? Mine is always dense.",
}

// listenersPost lets people who do not follow the bakery post now and then.
func (q *quickstart) listenersPost(ctx context.Context) error {
	for _, s := range q.sites {
		if len(s.listeners) == 0 || s.rng.Float64() >= 0.12 {
			continue
		}
		l := s.listeners[s.rng.IntN(len(s.listeners))]
		c, err := s.net.Client(l.Handle)
		if err != nil {
			return err
		}
		text := listenerTexts[s.rng.IntN(len(listenerTexts))]
		if _, err := c.Publish(ctx, providers.Draft{Text: text, IdempotencyKey: providers.NewIdempotencyKey()}); err != nil {
			return err
		}
	}
	return nil
}

// staffWork lets each staff member on shift answer their oldest
// conversations that arrived before this hour.
func (q *quickstart) staffWork(ctx context.Context, t time.Time) error {
	minute := q.staffRng.IntN(5)
	for _, st := range q.team {
		if !st.Hours.Open(t) {
			continue
		}
		convs, err := q.inbox.Conversations(ctx, engage.ConversationFilter{Assignee: st.ID, States: []engage.State{engage.StateAssigned}, Awaiting: true})
		if err != nil {
			return err
		}
		// Urgent and high-priority conversations first, answered at once;
		// the others in order of arrival, from the hours before.
		slices.SortStableFunc(convs, func(a, b engage.Conversation) int {
			if pa, pb := a.Priority >= engage.PriorityHigh, b.Priority >= engage.PriorityHigh; pa != pb {
				if pa {
					return -1
				}
				return 1
			}
			return a.AwaitingSince.Compare(b.AwaitingSince)
		})
		done := 0
		for _, c := range convs {
			if done == repliesPerHour {
				break
			}
			if c.Priority < engage.PriorityHigh && !c.AwaitingSince.Before(t) {
				continue
			}
			minute = min(29, minute+2+q.staffRng.IntN(4)) // before the half-hour posts
			q.clock.Set(t.Add(time.Duration(minute) * time.Minute))
			if err := q.answer(ctx, st, c); err != nil {
				return fmt.Errorf("%s answering %s: %w", st.Name, c.ID, err)
			}
			done++
		}
	}
	return nil
}

// answer loads a conversation's context and sends a signed, personal
// reply; praise also gets a like, and people found by listening who are
// helped may follow.
func (q *quickstart) answer(ctx context.Context, st engage.Staff, c engage.Conversation) error {
	tc, err := q.inbox.LoadContext(ctx, c.ID, st.ID)
	if err != nil {
		return err
	}
	last := ""
	if n := len(tc.Items); n > 0 {
		last = tc.Items[n-1].Interaction.Post.Text
	}
	text := replyText(c, last)
	if c.Intent == engage.IntentPraise && !c.Direct && !c.LastInbound.IsZero() {
		g, err := q.inbox.Give(ctx, engage.GiveRequest{Account: c.Account, Kind: engage.GiveLike, Target: c.LastInbound, Staff: st.ID})
		if err != nil {
			return err
		}
		if g.State == engage.GiveDone {
			q.t.gives++
			q.actions = append(q.actions, analytics.Action{Platform: c.Platform, Kind: analytics.ActionLike, At: q.clock.Now(), Target: c.Author.ID, TargetHandle: c.Author.Handle})
		}
	}
	then := engage.StateReplied
	if c.Intent == engage.IntentPraise || c.Source == engage.SourceListening {
		then = engage.StateResolved
	}
	r, err := q.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: st.ID, Text: text, Then: then})
	if err != nil {
		return err
	}
	if r.State != engage.ReplySent {
		return fmt.Errorf("reply %s is %s: %s", r.ID, r.State, r.Error)
	}
	q.t.replies[st.ID]++
	q.actions = append(q.actions, analytics.Action{Platform: c.Platform, Kind: analytics.ActionHelpfulReply, At: r.SentAt, Target: c.Author.ID, TargetHandle: c.Author.Handle})
	if c.Source == engage.SourceListening {
		q.t.helped++
		s := q.site(c.Platform)
		if s.rng.Float64() < 1.0/3 {
			following, err := s.net.IsFollowing(c.Author.ID, handle)
			if err != nil {
				return err
			}
			if !following {
				if err := s.net.Follow(c.Author.ID, handle); err != nil {
					return err
				}
				q.t.followed++
			}
		}
	}
	return nil
}

// answers are what the bakery says about each topic people ask about.
var answers = []struct{ topic, answer string }{
	{"opening hours", "we're open 7:30 to 18:00 Monday to Saturday, and 8:00 to 13:00 on Sundays."},
	{"my order", "could you send us your order number in a message? We'll sort it out today."},
	{"allergens", "every label at the counter lists the fourteen allergens, and we're happy to check any bake for you."},
	{"delivery", "we deliver within three miles on weekdays before noon: just tell us your postcode."},
	{"a booking", "tell us the day and the time and we'll hold a table or a cake for you."},
	{"the gift cards", "gift cards are at the till in any amount, and they never expire."},
	{"gluten-free", "our almond and orange cake and the seeded loaf are gluten-free, baked on a separate day."},
	{"starter", "that smell is hunger: feed it twice a day for three days at room temperature and it will come back."},
	{"flat", "try a longer, colder proof (overnight in the fridge) and a hotter oven with steam for the first ten minutes."},
	{"holes", "more water, gentler folds and a long cold proof give an open crumb. Come by and we'll show you."},
	{"birthday cake", "we'd love to! Pop in or message us with the date and we'll talk flavours."},
	{"cardamom knots", "the queue moves fast, and they come out of the oven at 8 and at 11. Say hello when you come!"},
}

// replyText writes a personal answer to the latest message.
func replyText(c engage.Conversation, last string) string {
	lower := strings.ToLower(last)
	if c.Intent == engage.IntentPraise {
		return "Thank you, {{first_name}}! That made the whole kitchen smile."
	}
	answer := "thank you for writing. We'll look into it and get back to you today."
	for _, a := range answers {
		if strings.Contains(lower, a.topic) {
			answer = a.answer
			break
		}
	}
	switch {
	case c.Source == engage.SourceListening:
		return "Hi {{first_name}}, baker here: " + answer
	case c.Intent == engage.IntentComplaint:
		return "{{first_name}}, I'm sorry you had to wait. " + strings.ToUpper(answer[:1]) + answer[1:]
	}
	return "Hi {{first_name}}, " + answer
}

// checkpoints evaluates the plan's contingency rules whose checkpoint is
// due and records the decisions.
func (q *quickstart) checkpoints(ctx context.Context) error {
	values, err := q.kpiValues(ctx)
	if err != nil {
		return err
	}
	decisions, err := campaign.Evaluate(q.plan, values, q.clock.Now())
	if err != nil || len(decisions) == 0 {
		return err
	}
	applied, notes := campaign.Apply(*q.plan, decisions)
	for _, d := range decisions {
		if d.HasValue {
			q.printf("   %s checkpoint: %s\n", d.At.In(q.loc).Format("Mon 2 Jan"), d.Explanation)
		}
	}
	for _, n := range notes {
		q.printf("     → message to %s: %s\n", n.To, n.Message)
	}
	saved, err := q.ws.Campaign().SavePlan(ctx, applied)
	if err != nil {
		return err
	}
	q.plan = &saved
	_, err = q.pub.Schedule(ctx, q.plan)
	return err
}

// kpiValues measures the plan's KPIs now.
func (q *quickstart) kpiValues(ctx context.Context) (campaign.KPIValues, error) {
	v := campaign.KPIValues{}
	samples, err := q.responseSamples(ctx, q.sched.start, q.clock.Now())
	if err != nil {
		return nil, err
	}
	r := analytics.MeasureResponses(samples, analytics.ResponseOptions{Now: q.clock.Now(), Hours: q.businessHours()})
	if x, ok := r.Rate.Value.Get(); ok {
		v["response-rate"] = 100 * x
	}
	if r.Median.Valid {
		v["first-response"] = r.Median.Duration.Minutes()
	}
	a, err := q.offers.Attribution(ctx, offerID)
	if err != nil {
		return nil, err
	}
	v["redemptions"] = float64(a.Total)
	return v, nil
}

// redemptions lets people redeem the offer: followers who engaged with an
// offer post, other customers who follow, and, once the offer has gone to
// the email list, customers with an email address.
func (q *quickstart) redemptions(ctx context.Context) error {
	o := q.plan.Offers[0]
	phase, err := o.PhaseAt(q.clock.Now())
	if err != nil {
		return err
	}
	if phase != campaign.OfferFollowersOnly && phase != campaign.OfferEveryone {
		return nil
	}
	for _, s := range q.sites {
		for it, err := range s.biz.Interactions(ctx, providers.InboxOptions{Since: s.cursor,
			Kinds: []providers.InteractionKind{providers.Like, providers.Repost, providers.Reply, providers.Quote}}) {
			if err != nil {
				return err
			}
			s.cursor = it.Cursor
			if s.offerPosts[it.Target.ID] {
				s.engaged[it.Author.ID] = it.Author
			}
		}
		for _, id := range sortedKeys(s.engaged) {
			if s.rng.Float64() < 0.3 {
				if err := q.redeem(ctx, s, s.engaged[id], o.Codes[s.platform]); err != nil {
					return err
				}
			}
		}
		for _, m := range q.first.CustomersWhoFollow(s.platform) {
			if _, engaged := s.engaged[m.Account.ID]; engaged {
				continue
			}
			following, err := s.net.IsFollowing(m.Account.ID, handle)
			if err != nil {
				return err
			}
			if following && s.rng.Float64() < 0.03 {
				if err := q.redeem(ctx, s, providers.Account{Platform: s.platform, ID: m.Account.ID}, o.Codes[s.platform]); err != nil {
					return err
				}
			}
		}
	}
	if phase == campaign.OfferEveryone {
		g := q.sites[0].rng
		for _, c := range q.customers {
			if len(c.Emails) > 0 && !q.redeemed[c.ID] && g.Float64() < 0.01 {
				if err := q.record(ctx, emailCode, c.ID, ""); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// redeem records one redemption of a platform code by an account, once
// per person.
func (q *quickstart) redeem(ctx context.Context, s *site, a providers.Account, code string) error {
	key := accountKey{s.platform, a.ID}.String()
	if q.redeemed[key] {
		return nil
	}
	customer := ""
	if idx, ok := q.lookup[accountKey{s.platform, a.ID}]; ok {
		customer = q.customers[idx].ID
	} else if m, ok := q.matcher.Match(a); ok && a.Handle != "" {
		customer = q.customers[m.Customer].ID
	}
	if customer != "" && q.redeemed[customer] {
		return nil
	}
	return q.record(ctx, code, customer, key)
}

func (q *quickstart) record(ctx context.Context, code, customer, key string) error {
	q.t.redemptions++
	if _, err := q.offers.Redeem(ctx, code, fmt.Sprintf("till-%04d", q.t.redemptions), customer); err != nil {
		if errors.Is(err, campaign.ErrOfferClosed) {
			q.t.redemptions--
			return nil
		}
		return err
	}
	if customer != "" {
		q.redeemed[customer] = true
	}
	if key != "" {
		q.redeemed[key] = true
	}
	return nil
}

// collect reads every account's post metrics and follower count into the
// snapshot store.
func (q *quickstart) collect(ctx context.Context) error {
	for _, s := range q.sites {
		if _, _, err := q.collector.CollectRecent(ctx, s.biz, q.sched.start); err != nil {
			return fmt.Errorf("collect %s: %w", s.platform, err)
		}
	}
	return nil
}

// followers returns the bakery's follower count on every platform.
func (q *quickstart) followers(ctx context.Context) (int64, error) {
	var n int64
	for _, s := range q.sites {
		a, err := s.biz.Self(ctx)
		if err != nil {
			return 0, err
		}
		n += a.Followers.Or(0)
	}
	return n, nil
}

// weekLine is the progress line of one week.
func (q *quickstart) weekLine(ctx context.Context, week int, from, to time.Time, before, after int64) (string, error) {
	convs, err := q.inbox.Conversations(ctx, engage.ConversationFilter{})
	if err != nil {
		return "", err
	}
	created := 0
	for _, c := range convs {
		if !c.CreatedAt.Before(from) && c.CreatedAt.Before(to) {
			created++
		}
	}
	samples, err := q.responseSamples(ctx, from, to)
	if err != nil {
		return "", err
	}
	r := analytics.MeasureResponses(samples, analytics.ResponseOptions{Now: to, Hours: q.businessHours()})
	a, err := q.offers.Attribution(ctx, offerID)
	if err != nil {
		return "", err
	}
	dates := from.Format("2 Jan") + "–" + to.AddDate(0, 0, -1).Format("2 Jan")
	return "   " + row(weekCols, fmt.Sprint(week+1), dates, fmt.Sprint(q.t.weekPosts), fmt.Sprint(created),
		fmt.Sprintf("%d/%d", r.Responded, r.Received), shortDur(r.Median), fmt.Sprint(q.t.weekWarn), fmt.Sprint(q.t.weekBr),
		fmt.Sprintf("%d (%+d)", after, after-before), fmt.Sprint(a.Total)), nil
}

// weekCols are the widths of the progress table's columns; negative
// widths align left.
var weekCols = []int{-5, -14, 5, 10, 9, 13, 11, 9, 11, 9}

// row formats cells in columns, counting characters rather than bytes.
func row(widths []int, cells ...string) string {
	var b strings.Builder
	for i, c := range cells {
		w := widths[i]
		pad := strings.Repeat(" ", max(0, abs(w)-utf8.RuneCountInString(c)))
		if i > 0 {
			b.WriteString(" ")
		}
		if w < 0 {
			b.WriteString(c + pad)
		} else {
			b.WriteString(pad + c)
		}
	}
	return strings.TrimRight(b.String(), " ")
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// shortDur formats a span as "1h12m" or "n/a".
func shortDur(s analytics.Span) string {
	if !s.Valid {
		return "n/a"
	}
	d := s.Duration.Round(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// responseSamples returns the inbox's response samples received in
// [from, to) as analytics samples; conversations found by listening get
// their own priority, "listening", with its own target.
func (q *quickstart) responseSamples(ctx context.Context, from, to time.Time) ([]analytics.ResponseSample, error) {
	ss, err := q.inbox.ResponseSamples(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]analytics.ResponseSample, 0, len(ss))
	for _, s := range ss {
		pr := s.Priority.String()
		if s.Source == engage.SourceListening {
			pr = "listening"
		}
		out = append(out, analytics.ResponseSample{Platform: s.Platform, ID: s.ConversationID, Priority: pr,
			ReceivedAt: s.ReceivedAt, RespondedAt: s.RespondedAt})
	}
	return out, nil
}

// observeGoals records the KPIs' values at the end of a week.
func (q *quickstart) observeGoals(ctx context.Context, at time.Time) error {
	v, err := q.kpiValues(ctx)
	if err != nil {
		return err
	}
	for _, id := range sortedKeys(v) {
		q.goals[id] = append(q.goals[id], analytics.Observation{At: at, Value: v[id]})
	}
	return nil
}
