"""The pure model of TBot: entities, value objects, rules and errors. Standard library only."""
