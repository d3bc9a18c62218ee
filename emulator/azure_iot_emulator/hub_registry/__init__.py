"""An IoT hub's device registry and twins (the service API's reads), served at the hub's
``hostName``."""
