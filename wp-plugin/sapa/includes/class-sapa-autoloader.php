<?php
/**
 * Maps class names to files: Sapa_Api_Client → includes/class-sapa-api-client.php.
 *
 * @package Sapa
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's class autoloader (one class per file, WordPress file naming).
 */
class Sapa_Autoloader {

	/**
	 * Registers the autoloader once.
	 */
	public static function register() {
		spl_autoload_register( array( __CLASS__, 'load' ) );
	}

	/**
	 * Loads a Sapa_* class from includes/.
	 *
	 * @param string $class_name Class being looked up.
	 */
	public static function load( $class_name ) {
		if ( 0 !== strpos( $class_name, 'Sapa_' ) ) {
			return;
		}
		$file = __DIR__ . '/class-' . str_replace( '_', '-', strtolower( $class_name ) ) . '.php';
		if ( is_readable( $file ) ) {
			require_once $file;
		}
	}
}
