package slacktest

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}

func denyModal(title string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		Title:      plain(title),
		Submit:     plain("Deny"),
		CallbackID: "deny-reason",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("reason", plain("Reason"), nil, slack.NewPlainTextInputBlockElement(nil, "reason")),
		}},
	}
}

// requestForm is a modal like tapbot's request form: every kind of input
// it uses, with a default marked, an optional date-time and a channel
// picker that asks for a response URL.
func requestForm() slack.ModalViewRequest {
	hours := []*slack.OptionBlockObject{
		slack.NewOptionBlockObject("1h", plain("1 hour"), nil),
		slack.NewOptionBlockObject("2h", plain("2 hours (tenant default)"), nil),
		slack.NewOptionBlockObject("8h", plain("8 hours"), nil),
	}
	duration := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("How long"), "duration", hours...)
	duration.InitialOption = hours[1]
	once := slack.NewRadioButtonsBlockElement("once",
		slack.NewOptionBlockObject("yes", plain("One-time use"), nil), slack.NewOptionBlockObject("no", plain("Several sign-ins"), nil))
	where := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, plain("Where to answer"), "where")
	where.ResponseURLEnabled = true
	reason := slack.NewPlainTextInputBlockElement(plain("Ticket INC-1234"), "reason")
	reason.MaxLength = 40
	optional := func(b *slack.InputBlock) *slack.InputBlock { b.Optional = true; return b }
	return slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain("Request a pass"), Submit: plain("Request"), Close: plain("Cancel"),
		CallbackID: "tap-request", PrivateMetadata: `{"channel":"C1"}`,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("user", plain("User (sign-in name)"), nil, slack.NewPlainTextInputBlockElement(nil, "upn")),
			slack.NewInputBlock("duration", plain("Duration"), nil, duration),
			slack.NewInputBlock("once", plain("One-time use"), nil, once),
			optional(slack.NewInputBlock("start", plain("Start later"), nil, slack.NewDateTimePickerBlockElement("start"))),
			optional(slack.NewInputBlock("where", plain("Channel"), nil, where)),
			optional(slack.NewInputBlock("reason", plain("Reason"), nil, reason)),
		}},
	}
}

// homeTab is a Home tab with one button.
func homeTab(text string) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "home", Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		slack.NewActionBlock("mine", slack.NewButtonBlockElement("tap_new", "new", plain("New request"))),
	}}}
}

// triggerFrom returns a trigger id from userID typing "/tap" in #tap-approvals.
func triggerFrom(t *testing.T, srv *Server, userID string) string {
	t.Helper()
	form, err := srv.SlashCommand(userID, "C1", "")
	if err != nil {
		t.Fatal(err)
	}
	return form.Get("trigger_id")
}

// openModal opens view for userID with a fresh trigger and returns it as
// the fake shows it.
func openModal(t *testing.T, srv *Server, api *slack.Client, userID string, view slack.ModalViewRequest) View {
	t.Helper()
	resp, err := api.OpenViewContext(testContext(t), triggerFrom(t, srv, userID), view)
	if err != nil {
		t.Fatalf("views.open: %v", err)
	}
	v, ok := srv.View(resp.ID)
	if !ok {
		t.Fatalf("views.open answered view %s, which the fake does not know", resp.ID)
	}
	return v
}

func TestOpenViewShowsTheModalToWhoeverTriggeredIt(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	trig := triggerFrom(t, srv, "U1")

	resp, err := api.OpenViewContext(ctx, trig, denyModal("Deny request"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.ID, "V") || resp.CallbackID != "deny-reason" || resp.TeamID != TeamID ||
		resp.RootViewID != resp.ID || resp.Hash == "" || resp.AppID != AppID || resp.State == nil {
		t.Fatalf("view = %+v", resp.View)
	}
	m, err := srv.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != KindOpenView || m.TriggerID != trig || m.User != "U1" || m.ViewID != resp.ID ||
		m.Text != "Deny request" || len(m.Blocks) == 0 || len(m.View) == 0 {
		t.Fatalf("recorded %+v", m)
	}
	open, ok := srv.OpenModal("U1")
	if !ok || open.ID != resp.ID || !open.Open || open.User != "U1" || open.Title != "Deny request" {
		t.Fatalf("U1's open modal = %+v, %v", open, ok)
	}
	if _, ok := srv.OpenModal("U2"); ok {
		t.Fatal("U2 sees a modal U1's trigger opened")
	}
}

func TestOpenViewRefusals(t *testing.T) {
	noSubmit := denyModal("Deny")
	noSubmit.Submit = nil
	badOption := requestForm()
	badOption.Blocks.BlockSet[1].(*slack.InputBlock).Element.(*slack.SelectBlockElement).InitialOption =
		slack.NewOptionBlockObject("3d", plain("3 days"), nil)
	longMetadata := denyModal("Deny")
	longMetadata.PrivateMetadata = strings.Repeat("m", 3001)
	tests := []struct {
		name string
		view slack.ModalViewRequest
		want string
	}{
		{"title over 24 characters", denyModal(strings.Repeat("t", 25)), "invalid_arguments"},
		{"input blocks without a submit button", noSubmit, "invalid_arguments"},
		{"initial option that is not an option", badOption, "invalid_blocks"},
		{"private_metadata over 3000 characters", longMetadata, "invalid_arguments"},
		{"not a modal", slack.ModalViewRequest{Type: slack.VTHomeTab, Title: plain("Home")}, "invalid_arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			_, err := api.OpenViewContext(testContext(t), triggerFrom(t, srv, "U1"), tt.view)
			if got := slackError(err); got != tt.want {
				t.Fatalf("error = %v, want %s", err, tt.want)
			}
			if len(srv.Messages()) != 0 {
				t.Fatal("a refused view was recorded")
			}
		})
	}
}

func TestOpenViewRefusesADuplicateExternalID(t *testing.T) {
	srv, api := newWorkspace(t)
	first := denyModal("Deny")
	first.ExternalID = "deny-TAP-1"
	openModal(t, srv, api, "U1", first)

	_, err := api.OpenViewContext(testContext(t), triggerFrom(t, srv, "U2"), first)
	if slackError(err) != "duplicate_external_id" {
		t.Fatalf("error = %v, want duplicate_external_id", err)
	}
}

func TestOpenViewFillsInBlockIDsAndReportsInputs(t *testing.T) {
	srv, api := newWorkspace(t)
	form := requestForm()
	form.Blocks.BlockSet = append([]slack.Block{slack.NewSectionBlock(plain("Who needs a pass?"), nil, nil)}, form.Blocks.BlockSet...)
	v := openModal(t, srv, api, "U1", form)

	blocks, err := Message{Blocks: v.Blocks}.BlockSet()
	if err != nil || blocks[0].ID() == "" {
		t.Fatalf("first block = %+v, %v; want a block_id Slack made up", blocks, err)
	}
	duration, ok := v.Input("duration")
	if !ok || duration.Type != "static_select" || duration.Value != "2h" || duration.Optional ||
		strings.Join(duration.Options, ",") != "1h,2h,8h" || duration.Label != "Duration" {
		t.Fatalf("duration input = %+v, %v", duration, ok)
	}
	if start, _ := v.Input("start"); start.Type != "datetimepicker" || !start.Optional || start.Value != "" {
		t.Fatalf("start input = %+v", start)
	}
	if len(v.Inputs) != 6 {
		t.Fatalf("%d inputs, want 6", len(v.Inputs))
	}
}

func TestUpdateViewReplacesTheContentAndKeepsWhatWasEntered(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	v := openModal(t, srv, api, "U1", requestForm())
	submitted, err := srv.ViewSubmission("U1", v.ID, Entries{"user": "bob@contoso.com", "once": "yes"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Answer(submitted, 200, []byte(`{"response_action":"errors","errors":{"user":"No such user in the tenant."}}`)); err != nil {
		t.Fatal(err)
	}

	changed := requestForm()
	changed.Title = plain("Request a pass (2)")
	if _, err := api.UpdateViewContext(ctx, changed, "", "1.stale", v.ID); slackError(err) != "hash_conflict" {
		t.Fatalf("update with a stale hash: %v, want hash_conflict", err)
	}
	current, _ := srv.View(v.ID)
	resp, err := api.UpdateViewContext(ctx, changed, "", current.Hash, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ID != v.ID || resp.Hash == current.Hash || resp.Title.Text != "Request a pass (2)" {
		t.Fatalf("updated view = %+v", resp.View)
	}
	after, _ := srv.View(v.ID)
	if in, _ := after.Input("user"); in.Value != "bob@contoso.com" || after.Errors != nil {
		t.Fatalf("after the update: user input %+v, errors %v; want the entry kept and the errors gone", in, after.Errors)
	}
	if m, err := srv.WaitFor(ctx, IsKind(KindUpdateView)); err != nil || m.ViewID != v.ID || m.ResponseAction != "" || m.Text != "Request a pass (2)" {
		t.Fatalf("recorded %+v, %v", m, err)
	}
	if _, err := api.UpdateViewContext(ctx, changed, "", "", "V404"); slackError(err) != "not_found" {
		t.Fatalf("update of an unknown view: %v, want not_found", err)
	}
}

func TestUpdateViewFindsAViewByExternalID(t *testing.T) {
	srv, api := newWorkspace(t)
	form := denyModal("Deny")
	form.ExternalID = "deny-TAP-2"
	v := openModal(t, srv, api, "U1", form)

	form.Title = plain("Deny TAP-2")
	resp, err := api.UpdateViewContext(testContext(t), form, "deny-TAP-2", "", "")
	if err != nil || resp.ID != v.ID || resp.ExternalID != "deny-TAP-2" {
		t.Fatalf("update by external_id = %+v, %v", resp, err)
	}
}

func TestUpdateViewRefusesAClosedModal(t *testing.T) {
	srv, api := newWorkspace(t)
	v := openModal(t, srv, api, "U1", denyModal("Deny"))
	if _, _, err := srv.CloseView("U1", v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := api.UpdateViewContext(testContext(t), denyModal("Deny"), "", "", v.ID); slackError(err) != "not_found" {
		t.Fatalf("update of a closed modal: %v, want not_found", err)
	}
}

func TestPushViewStacksAtMostThreeViewsFromTriggersInsideTheModal(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)
	step := func(n string) slack.ModalViewRequest {
		return slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Step " + n), Close: plain("Back"), Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewActionBlock("nav", slack.NewButtonBlockElement("next", n, plain("Next"))),
		}}}
	}
	root := openModal(t, srv, api, "U1", step("1"))

	if _, err := api.PushViewContext(ctx, triggerFrom(t, srv, "U1"), step("x")); slackError(err) != "invalid_arguments" {
		t.Fatalf("push with a trigger from outside the modal: %v, want invalid_arguments", err)
	}
	top := root
	for _, n := range []string{"2", "3"} {
		click, err := srv.ClickView("U1", top.ID, "next")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := api.PushViewContext(ctx, click.TriggerID, step(n))
		if err != nil {
			t.Fatalf("push step %s: %v", n, err)
		}
		if resp.RootViewID != root.ID || resp.PreviousViewID != top.ID {
			t.Fatalf("pushed view root %q previous %q; want %s and %s", resp.RootViewID, resp.PreviousViewID, root.ID, top.ID)
		}
		top, _ = srv.View(resp.ID)
	}
	click, err := srv.ClickView("U1", top.ID, "next")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.PushViewContext(ctx, click.TriggerID, step("4")); slackError(err) != "push_limit_reached" {
		t.Fatalf("fourth view: %v, want push_limit_reached", err)
	}
	if shown, _ := srv.OpenModal("U1"); shown.ID != top.ID {
		t.Fatalf("U1 sees %s, want the third view %s", shown.ID, top.ID)
	}
	if _, err := srv.ClickView("U1", root.ID, "next"); err == nil {
		t.Fatal("clicked a view hidden under two others")
	}
}

func TestPublishViewKeepsOneHomeTabPerUser(t *testing.T) {
	srv, api := newWorkspace(t)
	ctx := testContext(t)

	first, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: homeTab("Your requests: none")})
	if err != nil {
		t.Fatal(err)
	}
	if first.Type != slack.VTHomeTab || !strings.HasPrefix(first.ID, "V") || first.Hash == "" {
		t.Fatalf("published %+v", first.View)
	}
	stale := "1.stale"
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: homeTab("x"), Hash: &stale}); slackError(err) != "hash_conflict" {
		t.Fatalf("publish with a stale hash: %v, want hash_conflict", err)
	}
	second, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: homeTab("Your requests: TAP-1"), Hash: &first.Hash})
	if err != nil || second.ID != first.ID || second.Hash == first.Hash {
		t.Fatalf("republished %+v, %v; want the same view id with a new hash", second, err)
	}
	home, ok := srv.Home("U1")
	if !ok || !strings.Contains(string(home.Blocks), "TAP-1") || home.Type != "home" || home.User != "U1" {
		t.Fatalf("U1's Home tab = %+v, %v", home, ok)
	}
	if _, ok := srv.Home("U2"); ok {
		t.Fatal("U2 has a Home tab nobody published")
	}
	published := 0
	for _, m := range srv.Messages() {
		if m.Kind == KindPublishView && m.User == "U1" && m.ViewID == first.ID {
			published++
		}
	}
	if published != 2 {
		t.Fatalf("recorded %d publishes, want 2", published)
	}
}

func TestPublishViewRefusals(t *testing.T) {
	tests := []struct {
		name     string
		user     string
		view     slack.HomeTabViewRequest
		homeTabs bool
		want     string
	}{
		{"unknown user", "U404", homeTab("x"), true, "invalid_arguments"},
		{"deactivated user", "U9", homeTab("x"), true, "invalid_arguments"},
		{"a modal", "U1", slack.HomeTabViewRequest{Type: slack.VTModal, Blocks: homeTab("x").Blocks}, true, "invalid_arguments"},
		{"Home tab not enabled", "U1", homeTab("x"), false, "not_enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, api := newWorkspace(t)
			srv.EnableHomeTab(tt.homeTabs)
			_, err := api.PublishViewContext(testContext(t), slack.PublishViewContextRequest{UserID: tt.user, View: tt.view})
			if got := slackError(err); got != tt.want {
				t.Fatalf("error = %v, want %s", err, tt.want)
			}
		})
	}
}
