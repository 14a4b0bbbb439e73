"""Reliable delivery of the outbox: claiming, rate limits, the delivery policy, long-text
splitting and reply windows, each as the channel's traits ask (`bot.channels.base.ChannelTraits`).
`bot.dispatcher.Dispatcher` puts the pieces together."""
