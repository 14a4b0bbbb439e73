"""The staff dashboard: server-rendered pages at /staff that call the staff API's services."""
