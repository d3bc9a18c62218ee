"""An IoT hub's device registry (``GET /devices/{id}``), served at the hub's ``hostName``."""
