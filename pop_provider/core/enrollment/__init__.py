"""DPS enrollment groups bound to verified CAs: the inputs and their rules (`group`), their wire
form (`wire`), the DPS service API reached through ARM (`service`; its answers as data in
`answers`, the outcomes the verbs act on in `outcomes`), one owner per group id (`claims`), and
the verbs both faces call (`verbs`)."""
