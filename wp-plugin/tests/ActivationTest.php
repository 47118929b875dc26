<?php
/**
 * The plugin is active in real WordPress and wired to its hooks.
 *
 * @package Sapa
 */

/**
 * Activation and wiring.
 */
class ActivationTest extends Sapa_Test_Case {

	public function test_plugin_is_active_and_activation_stored_defaults() {
		$this->assertTrue( is_plugin_active( 'sapa/sapa.php' ) );
		$stored = get_option( Sapa_Options::SETTINGS );
		$this->assertIsArray( $stored, 'the activation hook stores the default settings' );
		$this->assertSame( 'right', $stored['position'] );
		$this->assertSame( 'all', $stored['pages'] );
		$this->assertTrue( $stored['hide_on_checkout'] );
	}

	public function test_hooks_are_registered() {
		$this->assertNotFalse( has_action( 'wp_footer' ) );
		foreach ( array( 'admin_post_sapa_save_settings', 'admin_post_sapa_connect', 'admin_post_sapa_disconnect', 'admin_post_sapa_whatsapp', 'woocommerce_after_order_notes', 'woocommerce_checkout_process', 'woocommerce_checkout_create_order', 'woocommerce_set_additional_field_value', 'woocommerce_blocks_validate_location_order_fields', 'rest_api_init' ) as $hook ) {
			$this->assertTrue( has_action( $hook ), "$hook has a callback" );
		}
	}

	public function test_text_domain_is_loaded_on_init() {
		$this->assertSame( 10, has_action( 'init', array( 'Sapa_Plugin', 'load_textdomain' ) ) );
	}

	public function test_settings_page_is_added_under_settings_for_admins_only() {
		global $submenu;
		$page = new Sapa_Settings_Page();

		wp_set_current_user( $this->make_user( 'editor' ) );
		$page->add_menu();
		$this->assertNotContains( 'sapa', array_column( isset( $submenu['options-general.php'] ) ? $submenu['options-general.php'] : array(), 2 ) );

		$this->as_admin();
		$page->add_menu();
		$entries = array_values( array_filter( $submenu['options-general.php'], function ( $entry ) {
			return 'sapa' === $entry[2];
		} ) );
		$this->assertCount( 1, $entries );
		$this->assertSame( 'manage_options', $entries[0][1] );
	}

	public function test_block_checkout_fields_register_without_a_notice() {
		$wrong = array();
		add_action(
			'doing_it_wrong_run',
			function ( $function_name, $message ) use ( &$wrong ) {
				$wrong[] = "$function_name: $message";
			},
			10,
			2
		);
		add_filter( 'doing_it_wrong_trigger_error', '__return_false' );
		$GLOBALS['sapa_test_wc_checkout_fields'] = array();

		( new Sapa_WooCommerce() )->register_block_fields();

		$this->assertSame( array(), $wrong, 'WooCommerce 11 accepts both fields as registered' );
		$this->assertSame( array( Sapa_WooCommerce::BLOCK_NUMBER, Sapa_WooCommerce::BLOCK_OPT_IN ), array_keys( $GLOBALS['sapa_test_wc_checkout_fields'] ) );
		$this->assertSame( array( 'autocomplete' => 'tel' ), $GLOBALS['sapa_test_wc_checkout_fields'][ Sapa_WooCommerce::BLOCK_NUMBER ]['attributes'] );
	}
}
