"""ThermoCo: a demo smart-home device maker sharing device data only as each shopper allows."""
