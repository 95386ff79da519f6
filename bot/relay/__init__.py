"""The live relay: a resident chats with a trusted person through the bot, anonymously."""
