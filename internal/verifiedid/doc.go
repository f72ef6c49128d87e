// Package verifiedid asks Microsoft Entra Verified ID to check that the
// person holding a phone is the user a pass is for: a presentation request
// for the user's VerifiedEmployee credential with a Face Check against the
// credential's photo (the Request Service REST API's
// createPresentationRequest), and the HTTPS callback on which the Request
// Service reports how it went. Client implements approvals.IdentityVerifier;
// CallbackHandler turns the callbacks into approvals.PresentationEvents.
//
// What a tenant needs before this works:
//
//   - tapbot's app registration holds the application permission
//     VerifiableCredential.Create.PresentRequest of the API "Verifiable
//     Credentials Service Request" (app id 3db474b9-6a0c-4840-96ac-1fceb342124f),
//     with admin consent. Its token comes from the same credential tapbot
//     uses for Graph in that tenant, for the scope
//     3db474b9-6a0c-4840-96ac-1fceb342124f/.default.
//   - Verified ID is set up in the tenant, with the VerifiedEmployee
//     credential users get from MyAccount (myaccount.microsoft.com), which
//     carries their directory photo, and the Face Check add-on enabled
//     (a paid add-on, billed to a linked Azure subscription). The user holds
//     the credential in Microsoft Authenticator.
//   - The callback URL is public HTTPS that the Request Service, which runs
//     in Azure, can reach. tapbot in Socket Mode needs no public URL for
//     Slack, so such a deployment needs an ingress for the callback alone.
//
// The package imports azcore but not the Graph SDK.
package verifiedid
