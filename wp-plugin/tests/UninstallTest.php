<?php
/**
 * uninstall.php, run through WordPress's own uninstall_plugin().
 *
 * @package Sapa
 */

/**
 * Uninstall clean-up.
 */
class UninstallTest extends Sapa_Test_Case {

	public function test_uninstall_tells_sapa_and_removes_the_key_and_every_option() {
		global $wpdb;
		$this->as_admin();
		$key = Sapa_WooCommerce::create_api_key( get_current_user_id() );
		$this->given_connected( '+6281100000001', $key['key_id'] );
		Sapa_Options::save_settings( Sapa_Options::default_settings() );
		Sapa_Notices::add( 'info', 'left behind' );
		$this->answer_sapa(
			function () {
				return array( 204, null );
			}
		);

		$this->assertTrue( uninstall_plugin( 'sapa/sapa.php' ) );

		$calls = $this->requests_to( 'DELETE', '/stores/me' );
		$this->assertCount( 1, $calls );
		$this->assertSame( 'Bearer ' . self::API_KEY, $calls[0]['headers']['Authorization'] );
		$this->assertSame( '0', $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->prefix}woocommerce_api_keys" ) );
		$this->assertSame( '0', $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->options} WHERE option_name LIKE '%sapa\\_%'" ) );
	}
}
