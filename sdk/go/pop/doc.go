// X.509 CA certificates on Azure IoT Hub and DPS, Verified by proof of possession.
package pop
