"""The helpdesk: the FAQ that answers first, and the tickets a Duta Teknologi answers."""
