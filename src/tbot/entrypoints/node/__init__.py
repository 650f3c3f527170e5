"""`tbot up`: one node with its roles (api, bot, worker) and the node heartbeat."""
