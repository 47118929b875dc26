<?php
/**
 * Plugin Name:       Sapa — WhatsApp for WooCommerce
 * Plugin URI:        https://github.com/sapa-commerce/sapa
 * Description:       Connects the shop to Sapa: WooCommerce orders, customers and products reach the WhatsApp assistant and the dashboard; a floating WhatsApp button on the storefront; a WhatsApp number and marketing opt-in at checkout.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * WC requires at least: 8.0
 * WC tested up to:      11.0
 * Author:            Sapa
 * License:           MIT
 * Text Domain:       sapa
 * Domain Path:       /languages
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

define( 'SAPA_VERSION', '0.1.0' );
define( 'SAPA_PLUGIN_FILE', __FILE__ );
define( 'SAPA_PLUGIN_DIR', __DIR__ . '/' );

require_once SAPA_PLUGIN_DIR . 'includes/class-sapa-autoloader.php';
Sapa_Autoloader::register();

register_activation_hook( __FILE__, array( 'Sapa_Plugin', 'activate' ) );
add_action( 'plugins_loaded', array( 'Sapa_Plugin', 'boot' ) );
